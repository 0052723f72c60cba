// Package world is the stand-in AWS of the real-engine tier: one AWS for a
// whole test organization, shared by every stand-in provider process of
// every stack pointed at it, and refusing what AWS refuses.
//
// The state lives in one directory. The engine starts one plugin process
// per provider resource (one per account and region, about ten per stack),
// and several stacks may deploy at once, so every change happens under an
// exclusive lock on a file in that directory (flock), reading the state,
// changing it and writing it back before the lock is released.
//
// It is test infrastructure: the plugins that load it are built only by the
// tier's scripts, into the tier's own PULUMI_HOME. Where a rule says what
// AWS does, a comment cites the AWS documentation it follows.
package world

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Files of the world's directory.
const (
	stateFile = "aws.json"
	lockFile  = "aws.lock"
)

// World is the stand-in AWS kept in a directory.
type World struct {
	dir string
}

// Open returns the world kept in dir, which must exist.
func Open(dir string) (*World, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("the stand-in AWS directory: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("the stand-in AWS directory %s is not a directory", dir)
	}
	return &World{dir: dir}, nil
}

// Dir is the world's directory.
func (w *World) Dir() string { return w.dir }

// Update runs f on the state under the lock and saves the state when f
// succeeds; when f fails, nothing it changed is kept.
func (w *World) Update(f func(*State) error) error {
	return w.locked(func() error {
		s, err := w.load()
		if err != nil {
			return err
		}
		if err := f(s); err != nil {
			return err
		}
		return w.save(s)
	})
}

// View runs f on the state under the lock, without saving.
func (w *World) View(f func(*State) error) error {
	return w.locked(func() error {
		s, err := w.load()
		if err != nil {
			return err
		}
		return f(s)
	})
}

// locked runs f holding the exclusive lock on the world's lock file.
func (w *World) locked(f func() error) error {
	lock, err := os.OpenFile(filepath.Join(w.dir, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	for {
		err = syscall.Flock(int(lock.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("locking the stand-in AWS: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing the file releases it too
	return f()
}

// load reads the state; a world never written is empty.
func (w *World) load() (*State, error) {
	data, err := os.ReadFile(filepath.Join(w.dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		return &State{}, nil
	}
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("reading the stand-in AWS state: %w", err)
	}
	return &s, nil
}

// save writes the state through a temporary file and a rename, so a reader
// never sees half of it.
func (w *World) save(s *State) error {
	data, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(w.dir, stateFile+".tmp")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(w.dir, stateFile))
}
