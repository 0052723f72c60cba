package sdkgen

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// Write replaces the generated files under dir (sdk/) with files, leaving
// the Kept ones.
func Write(dir string, files map[string][]byte) error {
	old, err := onDisk(dir)
	if err != nil {
		return err
	}
	for name := range old {
		if _, still := files[name]; !still {
			if err := os.Remove(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
				return err
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Stale lists, sorted, the files under dir that differ from files: those
// missing, changed, or on disk but no longer generated.
func Stale(dir string, files map[string][]byte) ([]string, error) {
	old, err := onDisk(dir)
	if err != nil {
		return nil, err
	}
	var stale []string
	for name, data := range files {
		if have, ok := old[name]; !ok || !bytes.Equal(have, data) {
			stale = append(stale, name)
		}
	}
	for name := range old {
		if _, ok := files[name]; !ok {
			stale = append(stale, name)
		}
	}
	slices.Sort(stale)
	return stale, nil
}

// onDisk reads the generated files under dir: every file but the Kept
// ones and what package managers add (node_modules, __pycache__).
func onDisk(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if os.IsNotExist(err) && p == dir {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "node_modules" || d.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if slices.Contains(Kept, name) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[name] = data
		return nil
	})
	return files, err
}
