// Package schemagen writes the schema of Pulumi package eks-multi-account
// from the Go types of its components: each component's inputs struct
// (its Spec and its wiring) and its outputs, with the types they use and
// the doc comments of their fields as descriptions. The schema is a typed
// value (pulumi's schema.PackageSpec) marshalled to JSON.
package schemagen

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/internal/plugin"
)

// Module is the Go module the components' source belongs to.
const Module = "github.com/eks-multi-account/eks-multi-account"

// SchemaPath is where the schema is committed, from the module's root.
const SchemaPath = "cmd/pulumi-resource-eks-multi-account/schema.json"

// typeNames names the object types whose Go names would be unclear, or
// the same as another's, in the schema.
var typeNames = map[reflect.Type]string{
	reflect.TypeFor[providers.AccountSettings](): "Account",
	reflect.TypeFor[crossaccountrole.Spec]():     "ServiceAccountRole",
	reflect.TypeFor[tenancy.ServiceAccount]():    "NamespaceServiceAccount",
}

// Scalar types that are not what their Go kind says.
var (
	stringType      = schema.TypeSpec{Type: "string"}
	stringArrayType = schema.TypeSpec{Type: "array", Items: &schema.TypeSpec{Type: "string"}}
	stringMapType   = schema.TypeSpec{Type: "object", AdditionalProperties: &schema.TypeSpec{Type: "string"}}
	pulumiTypes     = map[reflect.Type]schema.TypeSpec{
		reflect.TypeFor[pulumi.StringInput]():       stringType,
		reflect.TypeFor[pulumi.StringOutput]():      stringType,
		reflect.TypeFor[pulumi.StringArrayInput]():  stringArrayType,
		reflect.TypeFor[pulumi.StringArrayOutput](): stringArrayType,
		reflect.TypeFor[pulumi.StringMapOutput]():   stringMapType,
		// A policy is its JSON text (an object is accepted too, as in a
		// stack file).
		reflect.TypeFor[iampolicy.Written](): stringType,
	}
)

// required matches a doc comment that says its field is required.
var required = regexp.MustCompile(`(^|\. )Required[.;]`)

// generator holds the schema being written.
type generator struct {
	docs  Docs
	types map[string]schema.ComplexTypeSpec
	owner map[string]reflect.Type
}

// Generate returns the package's schema as indented JSON, reading doc
// comments from the module's source at root.
func Generate(root string) ([]byte, error) {
	docs, err := ReadDocs(root, Module)
	if err != nil {
		return nil, err
	}
	spec, err := Spec(docs)
	if err != nil {
		return nil, err
	}
	if err := docs.Err(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(spec); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Spec builds the package spec of every component.
func Spec(docs Docs) (schema.PackageSpec, error) {
	g := &generator{docs: docs, types: map[string]schema.ComplexTypeSpec{}, owner: map[string]reflect.Type{}}
	spec := schema.PackageSpec{
		Name:        plugin.Package,
		DisplayName: "EKS multi-account",
		Version:     plugin.Version,
		Description: "The AWS EKS multi-account strategy as components: cluster accounts, workload accounts, cross-account roles, shared subnets and tenancy.",
		Keywords:    []string{"pulumi", "aws", "eks", "kind/component", "category/cloud"},
		License:     "Apache-2.0",
		Repository:  "https://" + Module,
		Resources:   map[string]schema.ResourceSpec{},
		Language:    languages(),
	}
	for _, c := range plugin.Components() {
		r, err := g.resource(c)
		if err != nil {
			return schema.PackageSpec{}, fmt.Errorf("%s: %w", c.Token, err)
		}
		spec.Resources[c.Token] = r
	}
	spec.Types = g.types
	return spec, nil
}

// languages are the SDK generators' settings.
func languages() map[string]schema.RawMessage {
	raw := func(v any) schema.RawMessage {
		data, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return data
	}
	return map[string]schema.RawMessage{
		"nodejs": raw(map[string]any{"packageName": "@eks-multi-account/eks-multi-account", "respectSchemaVersion": true}),
		"python": raw(map[string]any{"packageName": "eks_multi_account", "pyproject": map[string]any{"enabled": true}, "respectSchemaVersion": true}),
		"go": raw(map[string]any{
			"importBasePath":                 Module + "/sdk/go/eksmultiaccount",
			"generateResourceContainerTypes": false,
			"respectSchemaVersion":           true,
		}),
	}
}

// resource is a component's resource spec: its inputs and its outputs.
func (g *generator) resource(c plugin.Component) (schema.ResourceSpec, error) {
	r := schema.ResourceSpec{IsComponent: true, InputProperties: map[string]schema.PropertySpec{}}
	r.Properties = map[string]schema.PropertySpec{}
	r.Type = "object"
	r.Description = g.docs.Type(c.Outputs[0])
	inputs, req, err := g.properties(c.Inputs)
	if err != nil {
		return r, err
	}
	r.InputProperties, r.RequiredInputs = inputs, req
	for _, t := range c.Outputs {
		outputs, _, err := g.properties(t)
		if err != nil {
			return r, err
		}
		for k, p := range outputs {
			if _, dup := r.Properties[k]; dup {
				return r, fmt.Errorf("output %q comes twice", k)
			}
			r.Properties[k] = p
		}
	}
	r.Required = slices.Sorted(maps.Keys(r.Properties))
	return r, nil
}

// properties describes the fields of struct type t, and which are
// required.
func (g *generator) properties(t reflect.Type) (map[string]schema.PropertySpec, []string, error) {
	props := map[string]schema.PropertySpec{}
	var req []string
	for _, f := range plugin.Fields(t) {
		if _, dup := props[f.Key]; dup {
			return nil, nil, fmt.Errorf("%v: key %q comes twice", t, f.Key)
		}
		ts, err := g.typeOf(f.Go.Type)
		if err != nil {
			return nil, nil, fmt.Errorf("%v.%s: %w", t, f.Go.Name, err)
		}
		doc := g.docs.Field(f.Owner, f.Go.Name, f.Key)
		props[f.Key] = schema.PropertySpec{TypeSpec: ts, Description: doc, Secret: f.Secret}
		if required.MatchString(doc) {
			req = append(req, f.Key)
		}
	}
	return props, req, nil
}

// typeOf is the schema type of a Go type.
func (g *generator) typeOf(t reflect.Type) (schema.TypeSpec, error) {
	if ts, ok := pulumiTypes[t]; ok {
		return ts, nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.typeOf(t.Elem())
	case reflect.String:
		return stringType, nil
	case reflect.Bool:
		return schema.TypeSpec{Type: "boolean"}, nil
	case reflect.Int:
		return schema.TypeSpec{Type: "integer"}, nil
	case reflect.Slice:
		items, err := g.typeOf(t.Elem())
		if err != nil {
			return schema.TypeSpec{}, err
		}
		return schema.TypeSpec{Type: "array", Items: &items}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return schema.TypeSpec{}, fmt.Errorf("map key %v is not a string", t.Key())
		}
		values, err := g.typeOf(t.Elem())
		if err != nil {
			return schema.TypeSpec{}, err
		}
		return schema.TypeSpec{Type: "object", AdditionalProperties: &values}, nil
	case reflect.Struct:
		return g.object(t)
	}
	return schema.TypeSpec{}, fmt.Errorf("no schema type for Go type %v", t)
}

// object defines struct type t as a named object type once, and refers to
// it.
func (g *generator) object(t reflect.Type) (schema.TypeSpec, error) {
	name := cmp.Or(typeNames[t], t.Name())
	token := plugin.Package + ":index:" + name
	ref := schema.TypeSpec{Ref: "#/types/" + token}
	if other, ok := g.owner[token]; ok {
		if other != t {
			return schema.TypeSpec{}, fmt.Errorf("types %v and %v are both %s: name one in typeNames", other, t, name)
		}
		return ref, nil
	}
	g.owner[token] = t
	props, req, err := g.properties(t)
	if err != nil {
		return schema.TypeSpec{}, err
	}
	doc := g.docs.Type(t)
	if rest, ok := strings.CutPrefix(doc, t.Name()+" "); ok {
		doc = name + " " + rest
	}
	g.types[token] = schema.ComplexTypeSpec{ObjectTypeSpec: schema.ObjectTypeSpec{
		Type: "object", Description: doc, Properties: props, Required: req,
	}}
	return ref, nil
}
