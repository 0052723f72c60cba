// Package sdkgen generates the package's SDKs for nodejs, python and go
// from its schema, with Pulumi's own generators (pkg/v3/codegen).
package sdkgen

import (
	"context"
	"encoding/json"
	"fmt"
	"path"

	"github.com/blang/semver"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// Tool is the name the generated files say generated them.
const Tool = "eks-multi-account"

// Languages are the SDKs generated, each a folder under sdk/.
var Languages = []string{"nodejs", "python", "go"}

// Kept are the files under sdk/ that are not generated: the Go SDK's
// module files, a module of its own so that the library's vet and
// staticcheck do not run over generated code, kept with go mod tidy.
var Kept = []string{"go/go.mod", "go/go.sum"}

// Generate returns every file of the three SDKs, keyed by their path
// under sdk/ ("nodejs/index.ts", "go/eksmultiaccount/...").
func Generate(schemaJSON []byte) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, lang := range []struct {
		dir string
		gen func(*schema.Package) (map[string][]byte, error)
	}{
		{"nodejs", func(p *schema.Package) (map[string][]byte, error) {
			return nodejs.GeneratePackage(Tool, p, nil, nil, false, noPackages{})
		}},
		{"python", func(p *schema.Package) (map[string][]byte, error) {
			return python.GeneratePackage(Tool, p, nil, noPackages{})
		}},
		{"go", func(p *schema.Package) (map[string][]byte, error) {
			return gogen.GeneratePackage(Tool, p, nil)
		}},
	} {
		// Each generator imports its language's settings into the package,
		// so each gets a package of its own.
		var spec schema.PackageSpec
		if err := json.Unmarshal(schemaJSON, &spec); err != nil {
			return nil, fmt.Errorf("reading the schema: %w", err)
		}
		pkg, err := schema.ImportSpec(spec, nil, noPackages{}, schema.ValidationOptions{})
		if err != nil {
			return nil, fmt.Errorf("binding the schema: %w", err)
		}
		out, err := lang.gen(pkg)
		if err != nil {
			return nil, fmt.Errorf("generating the %s SDK: %w", lang.dir, err)
		}
		for name, data := range out {
			files[path.Join(lang.dir, name)] = data
		}
	}
	return files, nil
}

// noPackages is the schema loader of a package that refers to no other:
// any package asked for is an error.
type noPackages struct{}

func (noPackages) refused(name string) error {
	return fmt.Errorf("the schema refers to package %q; it may refer to none", name)
}

// LoadPackage refuses every package.
func (l noPackages) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, l.refused(pkg)
}

// LoadPackageV2 refuses every package.
func (l noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, l.refused(d.Name)
}

// LoadPackageReference refuses every package.
func (l noPackages) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, l.refused(pkg)
}

// LoadPackageReferenceV2 refuses every package.
func (l noPackages) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, l.refused(d.Name)
}
