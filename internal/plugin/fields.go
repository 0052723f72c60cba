package plugin

import (
	"reflect"
	"strings"
)

// Field is one top-level input or output of a component, as the schema
// and the decoder see it.
type Field struct {
	// Key is its name in every language.
	Key string
	// Go is the struct field it comes from.
	Go reflect.StructField
	// Owner is the struct type that declares the field, whose doc
	// comments describe it.
	Owner reflect.Type
	// Index is its path from the top-level struct, for FieldByIndex.
	Index []int
	// Output reports whether it may be another resource's output: a pulumi
	// Input or Output, not a plain value.
	Output bool
	// Secret reports whether the value is a secret (a kubeconfig).
	Secret bool
}

// Fields lists the fields of struct type t by key, in declaration order:
// a field tagged json is plain, one with a pulumi tag and no json name
// (json:"-" or none) may be an output, and an embedded struct without a
// tag contributes its own fields, as encoding/json flattens it.
func Fields(t reflect.Type) []Field {
	var out []Field
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		jsonName, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		pulumiName, _, _ := strings.Cut(f.Tag.Get("pulumi"), ",")
		secret := f.Tag.Get("schema") == "secret"
		switch {
		case f.Anonymous && jsonName == "" && f.Type.Kind() == reflect.Struct:
			for _, inner := range Fields(f.Type) {
				inner.Index = append([]int{i}, inner.Index...)
				out = append(out, inner)
			}
		case pulumiName != "" && (jsonName == "-" || jsonName == ""):
			// An input that may be an output, or a Go component's output.
			out = append(out, Field{Key: pulumiName, Go: f, Owner: t, Index: []int{i}, Output: true, Secret: secret})
		case jsonName != "" && jsonName != "-":
			out = append(out, Field{Key: jsonName, Go: f, Owner: t, Index: []int{i}})
		}
	}
	return out
}
