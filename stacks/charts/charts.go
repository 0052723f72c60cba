// Package charts locates the Helm charts the stacks install (Flux for
// GitOps, the blueprints' charts): in their public repositories, or, on
// machines without the internet, where the stack file's charts key says.
package charts

import (
	"strings"

	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Chart is a chart as the stacks know it: its name, version and public
// repository.
type Chart struct {
	Name, Version, Repository string
}

// Source is where a chart comes from instead of its public repository; the
// zero Source is that repository.
type Source struct {
	// Path is a chart directory or packaged chart (.tgz) on the deploying
	// machine; its own version is installed.
	Path string `json:"path,omitempty"`
	// Repository is a mirror holding the chart at the same version: an OCI
	// registry (oci://host/path) or an HTTPS chart repository.
	Repository string `json:"repository,omitempty"`
}

// Locate sets a release's chart, version and repository: the chart from
// its source.
func Locate(args *helmv3.ReleaseArgs, c Chart, src Source) {
	switch {
	case src.Path != "":
		args.Chart = pulumi.String(src.Path)
	case strings.HasPrefix(src.Repository, "oci://"):
		args.Chart = pulumi.String(strings.TrimSuffix(src.Repository, "/") + "/" + c.Name)
		args.Version = pulumi.String(c.Version)
	default:
		repo := c.Repository
		if src.Repository != "" {
			repo = src.Repository
		}
		args.Chart = pulumi.String(c.Name)
		args.Version = pulumi.String(c.Version)
		args.RepositoryOpts = &helmv3.RepositoryOptsArgs{Repo: pulumi.String(repo)}
	}
}
