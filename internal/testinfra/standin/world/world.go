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
	"time"
)

// Files of the world's directory.
const (
	stateFile = "aws.json"
	lockFile  = "aws.lock"
)

// World is the stand-in AWS kept in a directory.
type World struct {
	dir  string
	pool *Pool
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

// UsePool gives the world's EKS clusters the pool's API servers.
func (w *World) UsePool(p *Pool) { w.pool = p }

// Update runs f on the state under the lock and saves the state when f
// succeeds; when f fails, nothing it changed is kept (an API server it
// claimed stays claimed until the cluster is deleted or the tier restarts).
func (w *World) Update(f func(*State) error) error {
	return withLock(filepath.Join(w.dir, lockFile), func() error {
		s, err := w.load()
		if err != nil {
			return err
		}
		if err := f(s); err != nil {
			return err
		}
		return writeAtomically(filepath.Join(w.dir, stateFile), s)
	})
}

// View runs f on the state under the lock, without saving.
func (w *World) View(f func(*State) error) error {
	return withLock(filepath.Join(w.dir, lockFile), func() error {
		s, err := w.load()
		if err != nil {
			return err
		}
		return f(s)
	})
}

// withLock runs f holding the exclusive lock on a lock file.
func withLock(path string, f func() error) error {
	lock, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
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
		return fmt.Errorf("locking %s: %w", path, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing the file releases it too
	return f()
}

// load reads the state; a world never written is empty.
func (w *World) load() (*State, error) {
	s := &State{}
	data, err := os.ReadFile(filepath.Join(w.dir, stateFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(data, s); err != nil {
			return nil, fmt.Errorf("reading the stand-in AWS state: %w", err)
		}
	}
	s.dir, s.pool = w.dir, w.pool
	s.expire(time.Now())
	return s, nil
}

// writeAtomically writes v as JSON through a temporary file and a rename,
// so a reader never sees half of it.
func writeAtomically(path string, v any) error {
	data, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path+".tmp", data, 0o600); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}
