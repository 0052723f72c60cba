// Command generate writes the plugin package's schema
// (cmd/pulumi-resource-eks-multi-account/schema.json) from the Go types,
// and the nodejs, python and go SDKs under sdk/ from the schema (all but
// sdkgen.Kept). go generate ./cmd/pulumi-resource-eks-multi-account runs
// it.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/eks-multi-account/eks-multi-account/internal/plugin/schemagen"
	"github.com/eks-multi-account/eks-multi-account/internal/plugin/sdkgen"
)

func main() {
	root := flag.String("root", ".", "the module's root")
	flag.Parse()
	if err := run(*root); err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}

// run writes the schema and replaces the SDKs.
func run(root string) error {
	spec, err := schemagen.Generate(root)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, schemagen.SchemaPath), spec, 0o644); err != nil {
		return err
	}
	files, err := sdkgen.Generate(spec)
	if err != nil {
		return err
	}
	return sdkgen.Write(filepath.Join(root, "sdk"), files)
}
