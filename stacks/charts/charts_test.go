package charts

import (
	"testing"

	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
)

var flux = Chart{Name: "flux2", Version: "2.16.0", Repository: "https://fluxcd-community.github.io/helm-charts"}

func TestLocate(t *testing.T) {
	for name, c := range map[string]struct {
		src                   Source
		chart, version, repo  string
		noVersion, noRepoOpts bool
	}{
		"the public repository": {src: Source{}, chart: "flux2", version: "2.16.0", repo: flux.Repository},
		"a local chart":         {src: Source{Path: "/charts/flux2"}, chart: "/charts/flux2", noVersion: true, noRepoOpts: true},
		"an OCI mirror":         {src: Source{Repository: "oci://registry.example.com/charts/"}, chart: "oci://registry.example.com/charts/flux2", version: "2.16.0", noRepoOpts: true},
		"an HTTPS mirror":       {src: Source{Repository: "https://charts.example.com"}, chart: "flux2", version: "2.16.0", repo: "https://charts.example.com"},
	} {
		args := &helmv3.ReleaseArgs{}
		Locate(args, flux, c.src)
		assert.Equal(t, pulumi.String(c.chart), args.Chart, name)
		if c.noVersion {
			assert.Nil(t, args.Version, name)
		} else {
			assert.Equal(t, pulumi.String(c.version), args.Version, name)
		}
		if c.noRepoOpts {
			assert.Nil(t, args.RepositoryOpts, name)
		} else {
			assert.Equal(t, &helmv3.RepositoryOptsArgs{Repo: pulumi.String(c.repo)}, args.RepositoryOpts, name)
		}
	}
}
