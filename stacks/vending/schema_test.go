package vending

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

const schemaBase = "https://github.com/eks-multi-account/eks-multi-account/stacks/vending/schema/"

// compile compiles the published schemas and returns the settings' and
// the request's.
func compile(t *testing.T) (settings, request *jsonschema.Schema) {
	t.Helper()
	c := jsonschema.NewCompiler()
	for _, name := range []string{"vending.schema.json", "request.schema.json"} {
		data, err := Schemas.ReadFile("schema/" + name)
		require.NoError(t, err)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		require.NoError(t, err)
		require.NoError(t, c.AddResource(schemaBase+name, doc))
	}
	settings, err := c.Compile(schemaBase + "vending.schema.json")
	require.NoError(t, err)
	request, err = c.Compile(schemaBase + "request.schema.json")
	require.NoError(t, err)
	return settings, request
}

// instance reads YAML text as the schema validator reads JSON.
func instance(t *testing.T, text string) any {
	t.Helper()
	var v any
	require.NoError(t, yaml.Unmarshal([]byte(text), &v))
	data, err := json.Marshal(v)
	require.NoError(t, err)
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	require.NoError(t, err)
	return out
}

func TestTheSchemasAcceptEveryShippedFile(t *testing.T) {
	settingsSchema, requestSchema := compile(t)
	data, err := os.ReadFile(filepath.Join(example, SettingsFile))
	require.NoError(t, err)
	assert.NoError(t, settingsSchema.Validate(instance(t, string(data))))
	files, err := filepath.Glob(filepath.Join(example, RequestsDir, "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.NoError(t, requestSchema.Validate(instance(t, string(data))), f)
	}
}

func TestTheSchemaAndVendRejectEachBadRequest(t *testing.T) {
	_, requestSchema := compile(t)
	good := request("222222222222", "dedicated")
	for name, text := range map[string]string{
		"unknown key":                good + "colour: blue\n",
		"no team":                    "environment: dev\naccountId: \"222222222222\"\n",
		"short account ID":           request("22222222222", "dedicated"),
		"unknown networking":         request("222222222222", "peered"),
		"bad Kubernetes version":     good + "kubernetesVersion: \"1.3\"\n",
		"bad service account name":   good + "serviceAccounts: [{name: Trainer_1}]\n",
		"team that is not a label":   "team: Vision\nenvironment: dev\naccountId: \"222222222222\"\n",
		"both endpoint access modes": good + "endpointAccess: {publicCidrs: [203.0.113.0/24], privateOnly: true}\n",
		"egress port out of range":   good + "egress: [{cidrs: [10.0.0.0/16], ports: [{port: 70000}]}]\n",
		"privileged pod security":    good + "podSecurity: privileged\n",
	} {
		t.Run(name, func(t *testing.T) {
			assert.Error(t, requestSchema.Validate(instance(t, text)), "the schema rejects it")
			set, err := Load(writeDir(t, map[string]string{SettingsFile: settings, "requests/a.yaml": text}), nil)
			if err == nil {
				_, err = set.Render(Existing{})
			}
			assert.Error(t, err, "vend rejects it")
		})
	}
}

func TestTheSchemasHaveEveryKeyAndNoOther(t *testing.T) {
	// Each object of the files, by its path of properties in the schema
	// ("*" for a map's values), and the Go struct vend decodes it into.
	for _, c := range []struct {
		file string
		path []string
		v    any
	}{
		{"vending.schema.json", nil, &Settings{}},
		{"vending.schema.json", []string{"organization"}, &Organization{}},
		{"vending.schema.json", []string{"teams", "*"}, &Team{}},
		{"vending.schema.json", []string{"defaults"}, &config.Defaults{}},
		{"vending.schema.json", []string{"networkAccount"}, &config.NetworkAccount{}},
		{"request.schema.json", nil, &Request{}},
	} {
		data, err := Schemas.ReadFile("schema/" + c.file)
		require.NoError(t, err)
		var node map[string]any
		require.NoError(t, json.Unmarshal(data, &node))
		for _, step := range c.path {
			if step == "*" {
				node, _ = node["additionalProperties"].(map[string]any)
			} else {
				props, _ := node["properties"].(map[string]any)
				node, _ = props[step].(map[string]any)
			}
			require.NotNil(t, node, "%s has %v", c.file, c.path)
		}
		props, _ := node["properties"].(map[string]any)
		assert.Equal(t, slices.Sorted(maps.Keys(jsonFields(c.v))), slices.Sorted(maps.Keys(props)), "%s %v", c.file, c.path)
	}
}
