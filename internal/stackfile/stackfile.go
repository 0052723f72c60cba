// Package stackfile reads a Pulumi stack file (Pulumi.<env>.yaml) and the
// project file beside it, so that a stack's configuration can be run under
// the mock engine exactly as `pulumi up` would read it.
package stackfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
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
	name, err := stackName(path)
	if err != nil {
		return nil, err
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

// LoadFS reads the stack file at path in fsys and the Pulumi.yaml beside
// it.
func LoadFS(fsys fs.FS, path string) (*Stack, error) {
	name, err := stackName(path)
	if err != nil {
		return nil, err
	}
	data, err := fs.ReadFile(fsys, path)
	if err != nil {
		return nil, err
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	projectFile := filepath.ToSlash(filepath.Join(filepath.Dir(path), "Pulumi.yaml"))
	projectData, err := fs.ReadFile(fsys, projectFile)
	if err != nil {
		return nil, err
	}
	project, err := parseProject(projectFile, projectData)
	if err != nil {
		return nil, err
	}
	return &Stack{Project: project, Name: name, Config: cfg}, nil
}

// stackName returns <stack> of a path to Pulumi.<stack>.yaml.
func stackName(path string) (string, error) {
	base := filepath.Base(path)
	name, ok := strings.CutPrefix(strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml"), "Pulumi.")
	if !ok || name == "" || base == "Pulumi.yaml" {
		return "", fmt.Errorf("%s: a stack file is named Pulumi.<stack>.yaml", path)
	}
	return name, nil
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
	for _, k := range slices.Sorted(maps.Keys(file.Config)) {
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
		file := filepath.Join(d, "Pulumi.yaml")
		if data, err := os.ReadFile(file); err == nil {
			return parseProject(file, data)
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no Pulumi.yaml at or above %s", dir)
		}
	}
}

// parseProject returns the name in a project file.
func parseProject(file string, data []byte) (string, error) {
	var p struct {
		Name string `yaml:"name"`
	}
	if err := yaml.Unmarshal(data, &p); err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	if p.Name == "" {
		return "", fmt.Errorf("%s has no name", file)
	}
	return p.Name, nil
}
