package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

var (
	stringInputType      = reflect.TypeFor[pulumi.StringInput]()
	stringArrayInputType = reflect.TypeFor[pulumi.StringArrayInput]()
)

// decode fills dst, a pointer to a component's inputs struct, from the
// inputs a program gave. Plain fields must be known and not secret, and
// of their type's shape (every problem at its full key path, with the
// value); they are decoded with encoding/json, as the stack file decodes a
// Spec. Output fields take the input as it is.
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
			plain[key] = conform(r.Value, f.Go.Type, key, &ps)
		}
	}
	if err := ps.Err(); err != nil {
		return err
	}
	data, err := json.Marshal(plain)
	if err != nil {
		return err
	}
	// conform has refused what would not decode.
	return json.Unmarshal(data, dst)
}

// jsonUnmarshaler is implemented by a type that decodes itself (a policy,
// written as a string or an object); the walk asks it, and records its
// refusal at the value's key path.
var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// decodesAs returns why v, a plain input, does not decode as t, a type
// that decodes itself; nil when it does.
func decodesAs(v any, t reflect.Type) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, reflect.New(t).Interface())
}

// conform returns v, a plain input as the engine gives it, as Go type t
// decodes it, and records at its key path every value that cannot be one:
// a key t does not have, a value of another kind. A number that stands
// where t has a string is written as one: Pulumi YAML holds a number
// assignable to a string, and sends a quoted config value such as an
// account ID as a number (an integer is written without exponent or
// fraction; a lost leading zero leaves an ID the checks refuse).
func conform(v any, t reflect.Type, path string, ps *validate.Problems) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		return v
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		if err := decodesAs(v, t); err != nil {
			ps.Addf(path, shown(v), "does not decode: %v", err)
		}
		return v
	}
	switch t.Kind() {
	case reflect.String:
		switch v := v.(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	case reflect.Bool:
		if _, ok := v.(bool); ok {
			return v
		}
	case reflect.Int:
		if n, ok := v.(float64); ok && n == float64(int64(n)) {
			return v
		}
	case reflect.Slice:
		if list, ok := v.([]any); ok {
			out := make([]any, len(list))
			for i, e := range list {
				out[i] = conform(e, t.Elem(), validate.Index(path, i), ps)
			}
			return out
		}
	case reflect.Map:
		if m, ok := v.(map[string]any); ok {
			out := make(map[string]any, len(m))
			for _, k := range slices.Sorted(maps.Keys(m)) {
				out[k] = conform(m[k], t.Elem(), validate.Path(path, k), ps)
			}
			return out
		}
	case reflect.Struct:
		if m, ok := v.(map[string]any); ok {
			fields := map[string]reflect.Type{}
			for _, f := range Fields(t) {
				fields[f.Key] = f.Go.Type
			}
			out := make(map[string]any, len(m))
			for _, k := range slices.Sorted(maps.Keys(m)) {
				ft, known := fields[k]
				if !known {
					ps.Addf(validate.Path(path, k), nil, "is not a key here; the keys are %s", strings.Join(slices.Sorted(maps.Keys(fields)), ", "))
					continue
				}
				out[k] = conform(m[k], ft, validate.Path(path, k), ps)
			}
			return out
		}
	}
	ps.Addf(path, shown(v), "is not %s", jsonKind(t))
	return v
}

// shown is a value as a problem shows it: JSON for a list or an object.
func shown(v any) any {
	switch v.(type) {
	case []any, map[string]any:
		data, err := json.Marshal(v)
		if err == nil {
			return string(data)
		}
	}
	return v
}

// jsonKind names the JSON kind a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int:
		return "a whole number"
	case reflect.Slice:
		return "a list"
	}
	return "an object"
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
