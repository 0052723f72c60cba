package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

var (
	stringInputType      = reflect.TypeFor[pulumi.StringInput]()
	stringArrayInputType = reflect.TypeFor[pulumi.StringArrayInput]()
)

// decode fills dst, a pointer to a component's inputs struct, from the
// inputs a program gave. Plain fields must be known and not secret; they
// are decoded with encoding/json, unknown keys refused, as the stack file
// decodes a Spec. Output fields take the input as it is. Every problem
// names its key.
func decode(ctx context.Context, inputs pulumi.Map, dst any) error {
	v := reflect.ValueOf(dst).Elem()
	byKey := map[string]Field{}
	for _, f := range Fields(v.Type()) {
		byKey[f.Key] = f
	}
	var ps validate.Problems
	plain := map[string]any{}
	for _, key := range slices.Sorted(maps.Keys(inputs)) {
		f, ok := byKey[key]
		if !ok {
			ps.Add(key, nil, "is not an input of this component")
			continue
		}
		out := pulumi.ToOutput(inputs[key])
		if f.Output {
			v.FieldByIndex(f.Index).Set(reflect.ValueOf(typed(out, f.Go.Type)))
			continue
		}
		r, err := internals.UnsafeAwaitOutput(ctx, out)
		switch {
		case err != nil:
			ps.Add(key, nil, err.Error())
		case !r.Known:
			ps.Add(key, nil, "must be known when the component is created (names, ARNs and policies are built from it), not the output of a resource that does not exist yet")
		case r.Secret:
			ps.Add(key, nil, "must not be a secret: it is written into names, ARNs and policies")
		case r.Value != nil:
			plain[key] = coerce(r.Value, f.Go.Type)
		}
	}
	if err := ps.Err(); err != nil {
		return err
	}
	data, err := json.Marshal(plain)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeProblem(err)
	}
	return nil
}

// coerce returns v, a plain input as the engine gives it, with every
// number that stands where t has a string written as one: Pulumi YAML
// holds a number assignable to a string, and sends a quoted config value
// such as an account ID as a number. An integer is written without
// exponent or fraction; a lost leading zero leaves an ID the checks
// refuse.
func coerce(v any, t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch v := v.(type) {
	case float64:
		if t.Kind() == reflect.String {
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	case []any:
		if t.Kind() == reflect.Slice {
			out := make([]any, len(v))
			for i, e := range v {
				out[i] = coerce(e, t.Elem())
			}
			return out
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		fields := map[string]reflect.Type{}
		if t.Kind() == reflect.Struct {
			for _, f := range Fields(t) {
				fields[f.Key] = f.Go.Type
			}
		}
		for k, e := range v {
			switch {
			case t.Kind() == reflect.Map:
				out[k] = coerce(e, t.Elem())
			case fields[k] != nil:
				out[k] = coerce(e, fields[k])
			default:
				out[k] = e
			}
		}
		return out
	}
	return v
}

// decodeProblem words a decoding error as a problem at its key path.
func decodeProblem(err error) error {
	var ps validate.Problems
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		ps.Addf(keyPath(typeErr.Field), nil, "is a %s, not a %s", typeErr.Value, jsonKind(typeErr.Type))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		ps.Add(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), nil, "is not a key of this component's inputs or of the object that holds it")
	default:
		ps.Add("inputs", nil, err.Error())
	}
	return ps.Err()
}

// keyPath is a decoding error's field path without the Go names of the
// embedded structs it passed through (keys are lowerCamelCase; Go's
// embedded field names are capitalized).
func keyPath(field string) string {
	var keys []string
	for _, k := range strings.Split(field, ".") {
		if k != "" && !unicode.IsUpper(rune(k[0])) {
			keys = append(keys, k)
		}
	}
	return strings.Join(keys, ".")
}

// jsonKind names the JSON kind a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "whole number"
	case reflect.Slice:
		return "list"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return t.String()
}

// typed turns an input of any type into the Input type of an output field:
// a string or a list of strings, in a preview possibly unknown.
func typed(out pulumi.Output, t reflect.Type) pulumi.Input {
	switch t {
	case stringInputType:
		return out.ApplyT(func(v any) (string, error) {
			s, ok := v.(string)
			if !ok && v != nil {
				return "", fmt.Errorf("%v is a %T, not a string", v, v)
			}
			return s, nil
		}).(pulumi.StringOutput)
	case stringArrayInputType:
		return out.ApplyT(func(v any) ([]string, error) {
			switch list := v.(type) {
			case nil:
				return nil, nil
			case []string:
				return list, nil
			case []any:
				out := make([]string, len(list))
				for i, e := range list {
					s, ok := e.(string)
					if !ok {
						return nil, fmt.Errorf("element %d, %v, is a %T, not a string", i, e, e)
					}
					out[i] = s
				}
				return out, nil
			}
			return nil, fmt.Errorf("%v is a %T, not a list of strings", v, v)
		}).(pulumi.StringArrayOutput)
	}
	panic(fmt.Sprintf("plugin: output field of unsupported type %v", t))
}
