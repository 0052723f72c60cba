// Package stackfile reads a Pulumi stack file (Pulumi.<env>.yaml) and the
// project file beside it, so that a stack's configuration can be run under
// the mock engine exactly as `pulumi up` would read it.
package stackfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Stack is a stack file's configuration and the project it belongs to.
type Stack struct {
	// Project is the name in the nearest Pulumi.yaml.
	Project string
	// Name is the stack name: <env> of Pulumi.<env>.yaml.
	Name string
	// Config maps "namespace:key" to the value as Pulumi hands it to a
	// program: a string as it is, anything else as JSON text.
	Config map[string]string
}

// Load reads the stack file at path and the nearest Pulumi.yaml at or
// above its folder.
func Load(path string) (*Stack, error) {
	base := filepath.Base(path)
	name, ok := strings.CutPrefix(strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml"), "Pulumi.")
	if !ok || name == "" || base == "Pulumi.yaml" {
		return nil, fmt.Errorf("%s: a stack file is named Pulumi.<stack>.yaml", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	project, err := projectName(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	return &Stack{Project: project, Name: name, Config: cfg}, nil
}

// ParseConfig reads the config section of a stack file's text.
func ParseConfig(data []byte) (map[string]string, error) {
	var file struct {
		Config map[string]yaml.Node `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &file); err != nil {
		return nil, err
	}
	cfg := map[string]string{}
	keys := make([]string, 0, len(file.Config))
	for k := range file.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		node := file.Config[k]
		v, err := value(&node)
		if err != nil {
			return nil, fmt.Errorf("config key %s: %w", k, err)
		}
		cfg[k] = v
	}
	return cfg, nil
}

// value renders one config value the way the Pulumi CLI passes it.
func value(node *yaml.Node) (string, error) {
	if node.Kind == yaml.ScalarNode {
		return node.Value, nil
	}
	var v any
	if err := node.Decode(&v); err != nil {
		return "", err
	}
	if m, ok := v.(map[string]any); ok {
		if _, secure := m["secure"]; secure && len(m) == 1 {
			return "", errors.New("is a secret; secrets cannot be decrypted offline")
		}
	}
	text, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(text), nil
}

// projectName finds the nearest Pulumi.yaml at or above dir.
func projectName(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "Pulumi.yaml"))
		if err == nil {
			var p struct {
				Name string `yaml:"name"`
			}
			if err := yaml.Unmarshal(data, &p); err != nil {
				return "", fmt.Errorf("%s: %w", filepath.Join(d, "Pulumi.yaml"), err)
			}
			if p.Name == "" {
				return "", fmt.Errorf("%s has no name", filepath.Join(d, "Pulumi.yaml"))
			}
			return p.Name, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no Pulumi.yaml at or above %s", dir)
		}
	}
}
