// Command pulumi-resource-eks-multi-account is the plugin of Pulumi package
// eks-multi-account: it serves the library's components (ClusterAccount,
// WorkloadAccount, CrossAccountRole, SharedSubnets and Tenancy) to Pulumi
// programs in any language, under the type tokens the Go components
// register. schema.json beside it is generated from the Go types (go
// generate); the SDKs under sdk/ are generated from it.
package main

import (
	_ "embed"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"

	"github.com/eks-multi-account/eks-multi-account/internal/plugin"
)

//go:generate go run ../../internal/plugin/generate -root ../..

// schema is the package's schema, generated from the Go types.
//
//go:embed schema.json
var schema []byte

func main() {
	if err := provider.ComponentMain(plugin.Package, plugin.Version, schema, plugin.Construct); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
