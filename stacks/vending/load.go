package vending

import (
	"cmp"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/eks-multi-account/eks-multi-account/components/validate"
	"github.com/eks-multi-account/eks-multi-account/stacks/blueprints"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

// Set is a vending directory, read and checked: the settings and every
// request, sorted by name, with the defaults applied.
type Set struct {
	// Dir is the directory.
	Dir string
	// Settings is vending.yaml.
	Settings Settings
	// Requests are the requests, sorted by name.
	Requests []Request
	// Blueprints are what requests are vended from.
	Blueprints *blueprints.Registry
	// Unchecked are the requests whose account is not among its team's
	// accounts and is to be found in the team's organizational units,
	// which only Organizations can say (CheckOrganizationalUnits).
	Unchecked []*Request
}

// CheckOrganizationalUnits checks the requests left unchecked against
// the accounts each organizational unit holds (by OU ID, as Organizations
// answered at apply): an *Error naming every request out of its team's
// bounds, or nil.
func (s *Set) CheckOrganizationalUnits(ous map[string][]string) error {
	var ps validate.Problems
	for _, r := range s.Unchecked {
		s.checkBounds(r, ous, &ps)
	}
	if err := ps.Err(); err != nil {
		return &Error{Problems: err}
	}
	return nil
}

// OrganizationalUnits are the organizational units the unchecked requests'
// teams name, sorted: what vend reads at apply.
func (s *Set) OrganizationalUnits() []string {
	var out []string
	for _, r := range s.Unchecked {
		out = append(out, s.Settings.Teams[r.Team].OrganizationalUnits...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Error is the error of a vending directory with problems: every problem
// of every file, each naming its file and key path.
type Error struct {
	// Problems joins every problem.
	Problems error
}

// Error lists every problem under one heading.
func (e *Error) Error() string { return "invalid vending requests:\n" + e.Problems.Error() }

// Unwrap gives errors.Is and errors.As the problems.
func (e *Error) Unwrap() error { return e.Problems }

// Load reads a vending directory: vending.yaml and requests/*.yaml, and
// checks it, rendering every stack as on an empty backend: every problem
// of every file is reported at once (an *Error). Render checks again
// against what a backend holds.
func Load(dir string, registry *blueprints.Registry) (*Set, error) {
	if registry == nil {
		registry = blueprints.NewRegistry()
	}
	s := &Set{Dir: dir, Blueprints: registry}
	var ps validate.Problems
	decodeFile(filepath.Join(dir, SettingsFile), SettingsFile, &s.Settings, &ps)
	files, err := filepath.Glob(filepath.Join(dir, RequestsDir, "*"))
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	for _, f := range files {
		rel := filepath.ToSlash(filepath.Join(RequestsDir, filepath.Base(f)))
		name, ok := strings.CutSuffix(filepath.Base(f), ".yaml")
		if !ok {
			ps.Add(rel, nil, "is not a request: request files end in .yaml")
			continue
		}
		r := Request{Name: name, File: rel}
		decodeFile(f, rel, &r, &ps)
		s.Requests = append(s.Requests, r)
	}
	s.applyDefaults()
	s.check(&ps)
	// Every problem at once: those of the rendered stacks too, as they
	// would be rendered on an empty backend.
	var rendered *Error
	if _, err := s.Render(Existing{}); errors.As(err, &rendered) {
		ps.Nest("", rendered.Problems)
	}
	if err := dedupe(ps.Err()); err != nil {
		return nil, &Error{Problems: err}
	}
	return s, nil
}

// decodeFile decodes a YAML file's top-level keys into the fields of dst
// with the same JSON names, each strictly and on its own, so that every
// bad key is reported, as file: key.
func decodeFile(path, rel string, dst any, ps *validate.Problems) {
	data, err := os.ReadFile(path)
	if err != nil {
		ps.Add(rel, nil, "cannot be read: "+strings.TrimPrefix(err.Error(), "open "+path+": "))
		return
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		ps.Add(rel, nil, "is not YAML: "+strings.TrimPrefix(err.Error(), "yaml: "))
		return
	}
	if len(doc.Content) == 0 {
		return
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		ps.Add(rel, nil, "is not a mapping of keys to values")
		return
	}
	fields := jsonFields(dst)
	for i := 0; i+1 < len(top.Content); i += 2 {
		key, value := top.Content[i].Value, top.Content[i+1]
		at := at(rel, key)
		field, ok := fields[key]
		if !ok {
			ps.Addf(at, nil, "is not a key of %s (want one of %s)", rel, strings.Join(slices.Sorted(maps.Keys(fields)), ", "))
			continue
		}
		var v any
		if err := value.Decode(&v); err != nil {
			ps.Add(at, nil, "is not valid: "+err.Error())
			continue
		}
		text, err := json.Marshal(v)
		if err != nil {
			ps.Add(at, nil, "is not valid: "+err.Error())
			continue
		}
		if err := config.StrictDecode(text, field.Addr().Interface()); err != nil {
			ps.Add(at, nil, err.Error())
		}
	}
}

// jsonFields maps the JSON names of a struct's fields to the fields.
func jsonFields(dst any) map[string]reflect.Value {
	v := reflect.ValueOf(dst).Elem()
	out := map[string]reflect.Value{}
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = v.Field(i)
		}
	}
	return out
}

// at is the path of a key in a file, as problems name it.
func at(file, key string) string {
	if key == "" {
		return file
	}
	return file + ": " + key
}

// applyDefaults fills in what the files leave out.
func (s *Set) applyDefaults() {
	st := &s.Settings
	st.Project = cmp.Or(st.Project, DefaultProject)
	st.PulumiOrganization = cmp.Or(st.PulumiOrganization, DefaultPulumiOrganization)
	if len(st.Waves) == 0 {
		st.Waves = slices.Clone(DefaultWaves)
	}
	for i := range s.Requests {
		r := &s.Requests[i]
		r.Blueprint = cmp.Or(r.Blueprint, config.DefaultBlueprint)
		r.Networking = cmp.Or(r.Networking, config.Dedicated)
		if bp, ok := s.Blueprints.Get(r.Blueprint); ok {
			r.KubernetesVersion = cmp.Or(r.KubernetesVersion, bp.KubernetesVersion)
		}
	}
}

// Request returns the request called name.
func (s *Set) Request(name string) (*Request, bool) {
	i := slices.IndexFunc(s.Requests, func(r Request) bool { return r.Name == name })
	if i < 0 {
		return nil, false
	}
	return &s.Requests[i], true
}
