package config

import (
	"cmp"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTheAcceptedKeysAreHeld enumerates every key path a stack file may
// set, as the strict decoder reads them (embedded specs flattened, list
// elements as [], map keys as *), and holds the set to
// testdata/keys.txt: a key appears or disappears only with an edit of that
// file. In particular no component spec embedded here may give a tenant a
// key for something the stacks decide (its role's namespace, its cluster,
// its account).
func TestTheAcceptedKeysAreHeld(t *testing.T) {
	var keys []string
	for _, top := range topLevelKeys {
		collectKeys(top.key, top.typ, &keys)
	}
	slices.Sort(keys) // the set, whatever the order of the fields
	want, err := os.ReadFile("testdata/keys.txt")
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSpace(string(want)), strings.Join(keys, "\n"))
}

// TestTheKeyWalkerFollowsTheDecoder: a key the walker lists is one the
// decoder accepts, and a key it does not list is refused, so the set above
// is the decoder's own.
func TestTheKeyWalkerFollowsTheDecoder(t *testing.T) {
	var keys []string
	collectKeys("w", reflect.TypeFor[WorkloadAccount](), &keys)
	require.Contains(t, keys, "w.serviceAccounts[].name")
	require.NoError(t, StrictDecode([]byte(`{"serviceAccounts":[{"name":"a"}]}`), &WorkloadAccount{}))
	require.Error(t, StrictDecode([]byte(`{"serviceAccounts":[{"namespace":"a"}]}`), &WorkloadAccount{}))
	assert.NotContains(t, keys, "w.serviceAccounts[].namespace")
}

// topLevelKeys are the keys Parse reads, with the type each decodes into.
var topLevelKeys = []struct {
	key string
	typ reflect.Type
}{
	{"model", reflect.TypeFor[string]()},
	{"defaults", reflect.TypeFor[Defaults]()},
	{"organization", reflect.TypeFor[Organization]()},
	{"networkAccount", reflect.TypeFor[NetworkAccount]()},
	{"charts", reflect.TypeFor[Charts]()},
	{"networkStack", reflect.TypeFor[string]()},
	{"organizationStack", reflect.TypeFor[string]()},
	{"routing", reflect.TypeFor[string]()},
	{"shareWith", reflect.TypeFor[[]SharedAccount]()},
	{"routeWith", reflect.TypeFor[[]SharedAccount]()},
	{"clusterAccounts", reflect.TypeFor[[]ClusterAccount]()},
	{"workloadAccounts", reflect.TypeFor[[]WorkloadAccount]()},
}

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// collectKeys appends the key paths under path of a value of type t, as
// encoding/json decodes them.
func collectKeys(path string, t reflect.Type, keys *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case reflect.PointerTo(t).Implements(jsonUnmarshaler):
		*keys = append(*keys, path) // decoded whole by its own method
	case t.Kind() == reflect.Slice:
		collectKeys(path+"[]", t.Elem(), keys)
	case t.Kind() == reflect.Map:
		collectKeys(path+".*", t.Elem(), keys)
	case t.Kind() == reflect.Struct:
		structKeys(t, func(name string, ft reflect.Type) { collectKeys(path+"."+name, ft, keys) })
	default:
		*keys = append(*keys, path)
	}
}

// structKeys calls f with every JSON key of struct type t, flattening
// untagged embedded structs as encoding/json does.
func structKeys(t reflect.Type, f func(name string, ft reflect.Type)) {
	for i := range t.NumField() {
		field := t.Field(i)
		tag, _, _ := strings.Cut(field.Tag.Get("json"), ",")
		switch {
		case tag == "-":
		case field.Anonymous && tag == "" && field.Type.Kind() == reflect.Struct:
			structKeys(field.Type, f)
		case field.IsExported():
			f(cmp.Or(tag, field.Name), field.Type)
		}
	}
}
