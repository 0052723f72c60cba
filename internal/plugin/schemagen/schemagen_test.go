package schemagen_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/sharedsubnets"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
	"github.com/eks-multi-account/eks-multi-account/internal/plugin/schemagen"
)

// root is the module's root, from this package's folder.
const root = "../../.."

// committed reads the committed schema.
func committed(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, schemagen.SchemaPath))
	require.NoError(t, err)
	return data
}

func TestTheCommittedSchemaIsWhatTheGoTypesGenerate(t *testing.T) {
	got, err := schemagen.Generate(root)
	require.NoError(t, err)
	assert.Equal(t, string(committed(t)), string(got), "the schema is stale: go generate ./cmd/pulumi-resource-eks-multi-account")
}

// keys lists the json keys of struct type t, its embedded structs'
// included, read with reflect independently of the generator.
func keys(t reflect.Type, tag string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get(tag), ",")
		switch {
		case !f.IsExported():
		case f.Anonymous && name == "":
			out = append(out, keys(f.Type, tag)...)
		case name != "" && name != "-":
			out = append(out, name)
		}
	}
	return out
}

func TestTheSchemaHasEverySpecKeyAndEveryOutput(t *testing.T) {
	var spec schema.PackageSpec
	require.NoError(t, json.Unmarshal(committed(t), &spec))
	for _, c := range []struct {
		token     string
		specs     []reflect.Type
		component reflect.Type
	}{
		{clusteraccount.Type, []reflect.Type{reflect.TypeFor[clusteraccount.Spec]()}, reflect.TypeFor[clusteraccount.ClusterAccount]()},
		{workloadaccount.Type, []reflect.Type{reflect.TypeFor[workloadaccount.Spec]()}, reflect.TypeFor[workloadaccount.WorkloadAccount]()},
		{crossaccountrole.Type, []reflect.Type{reflect.TypeFor[crossaccountrole.Spec]()}, reflect.TypeFor[crossaccountrole.CrossAccountRole]()},
		{sharedsubnets.Type, nil, reflect.TypeFor[sharedsubnets.SharedSubnets]()},
		{tenancy.Type, []reflect.Type{reflect.TypeFor[tenancy.Namespace]()}, reflect.TypeFor[tenancy.Tenancy]()},
	} {
		r, ok := spec.Resources[c.token]
		require.True(t, ok, "the schema has %s", c.token)
		assert.True(t, r.IsComponent, "%s is a component", c.token)
		for _, s := range c.specs {
			for _, k := range keys(s, "json") {
				assert.Contains(t, r.InputProperties, k, "%s has the input %s of its %v", c.token, k, s)
			}
		}
		for _, k := range keys(c.component, "pulumi") {
			assert.Contains(t, r.Properties, k, "%s has the output %s", c.token, k)
			assert.Contains(t, r.Required, k, "%s always has the output %s", c.token, k)
		}
		for k, p := range r.InputProperties {
			assert.NotEmpty(t, p.Description, "%s input %s is described", c.token, k)
		}
		for k, p := range r.Properties {
			assert.NotEmpty(t, p.Description, "%s output %s is described", c.token, k)
		}
	}
	assert.Len(t, spec.Resources, 5)
	assert.True(t, spec.Resources[clusteraccount.Type].Properties["kubeconfig"].Secret, "the kubeconfig output is a secret")
	for token, typ := range spec.Types {
		for k, p := range typ.Properties {
			assert.NotEmpty(t, p.Description, "%s.%s is described", token, k)
			assert.False(t, strings.HasPrefix(p.Ref, "/") || strings.Contains(p.Ref, "json#") && !strings.HasPrefix(p.Ref, "#/"), "%s.%s refers to no other package", token, k)
		}
	}
}
