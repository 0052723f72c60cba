package stackstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/pulumi/pulumi/pkg/v3/backend"
	"github.com/pulumi/pulumi/pkg/v3/backend/diy"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/sig"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// selfManaged is a self-managed backend, read and written in process.
type selfManaged struct {
	b       diy.Backend
	project string
}

// openSelfManaged opens a self-managed backend for a project; the
// backend's warnings go to warnings.
func openSelfManaged(ctx context.Context, url, project string, warnings io.Writer) (*selfManaged, error) {
	sink := diag.DefaultSink(io.Discard, warnings, diag.FormatOptions{Color: colors.Never})
	b, err := diy.New(ctx, sink, url, &workspace.Project{Name: tokens.PackageName(project)})
	if err != nil {
		return nil, fmt.Errorf("opening the backend %s: %w", url, err)
	}
	return &selfManaged{b: b, project: project}, nil
}

// Stacks lists the project's stacks without reading their checkpoints,
// then reads each one's tags, reads at once.
func (s *selfManaged) Stacks(ctx context.Context, except ...string) (map[string]map[string]string, error) {
	refs, _, err := s.b.ListStackNames(ctx, backend.ListStackNamesFilter{Project: &s.project}, nil)
	if err != nil {
		return nil, fmt.Errorf("listing the stacks of %s on %s: %w", s.project, s.b.URL(), err)
	}
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.Name().String()
	}
	return tagsOf(ctx, s, names, except)
}

// stack returns a stack of the project, nil when it does not exist.
func (s *selfManaged) stack(ctx context.Context, name string) (backend.StackReference, backend.Stack, error) {
	ref, err := s.b.ParseStackReference(name)
	if err != nil {
		return nil, nil, err
	}
	st, err := s.b.GetStack(ctx, ref)
	return ref, st, err
}

// existingStack returns a stack of the project, an error when it does not
// exist.
func (s *selfManaged) existingStack(ctx context.Context, name string) (backend.Stack, error) {
	_, st, err := s.stack(ctx, name)
	if err == nil && st == nil {
		err = errors.New("no such stack")
	}
	return st, err
}

// Tags reads a stack's tags file. The backend's Stack.Tags logs a failed
// read and returns nil, where it returns an empty set for a stack without
// tags: nil is an error here, never "no tags", so that a block recorded on
// a stack is never read as free.
func (s *selfManaged) Tags(ctx context.Context, name string) (map[string]string, error) {
	var tags map[string]string
	err := whileWritten(ctx, func() error {
		st, err := s.existingStack(ctx, name)
		if err != nil {
			return err
		}
		if tags = st.Tags(); tags == nil {
			return errUnreadTags
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the tags of stack %s: %w", name, err)
	}
	return maps.Clone(tags), nil
}

// errUnreadTags is a tags file that could not be read.
var errUnreadTags = errors.New("its tags file could not be read")

// whileWritten runs a read, and runs it again, for about two seconds at
// most, while it fails as a read of a file another process is writing
// does: a file backend's blob store (gocloud's fileblob) writes a file's
// attributes beside it in place, not by a rename, so a read at that
// moment finds them empty (EOF); the CLI's own reads fail the same way
// ("failed to load checkpoint: EOF", seen in the tier while the lock's
// update wrote its stack).
func whileWritten(ctx context.Context, read func() error) error {
	err := read()
	for wait := 10 * time.Millisecond; err != nil && wait < 2*time.Second && beingWritten(err); wait *= 2 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		err = read()
	}
	return err
}

// beingWritten reports whether a read's error is one of a file being
// written.
func beingWritten(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errUnreadTags)
}

// Record creates the stack when it does not exist (under the backend's
// own stack lock) and writes its whole tag set once.
func (s *selfManaged) Record(ctx context.Context, name string, tags map[string]string) error {
	ref, st, err := s.stack(ctx, name)
	if err == nil && st == nil {
		st, err = s.b.CreateStack(ctx, ref, "", nil, nil)
	}
	var have map[string]string
	if err == nil {
		have, err = s.Tags(ctx, name)
	}
	if err == nil {
		err = s.b.UpdateStackTags(ctx, st, merged(have, tags))
	}
	if err != nil {
		return fmt.Errorf("recording the tags of stack %s: %w", name, err)
	}
	return nil
}

// LastUpdate reads the newest entry of the stack's history.
func (s *selfManaged) LastUpdate(ctx context.Context, name string) (Update, error) {
	ref, err := s.b.ParseStackReference(name)
	if err != nil {
		return Update{}, err
	}
	var history []backend.UpdateInfo
	err = whileWritten(ctx, func() (err error) {
		history, err = s.b.GetHistory(ctx, ref, 1, 1)
		return err
	})
	if err != nil {
		return Update{}, fmt.Errorf("reading the history of stack %s: %w", name, err)
	}
	if len(history) == 0 {
		return Update{}, nil
	}
	h := history[0]
	return Update{End: time.Unix(h.EndTime, 0).UTC(), Result: string(h.Result)}, nil
}

// Outputs reads the root stack resource's outputs from the checkpoint.
func (s *selfManaged) Outputs(ctx context.Context, name string) (map[string]any, error) {
	var exported *apitype.UntypedDeployment
	err := whileWritten(ctx, func() error {
		st, err := s.existingStack(ctx, name)
		if err == nil {
			exported, err = s.b.ExportDeployment(ctx, st)
		}
		return err
	})
	var deployment apitype.DeploymentV3
	if err == nil && exported.Version != 0 {
		if exported.Version > apitype.DeploymentSchemaVersionLatest {
			err = fmt.Errorf("its checkpoint's version %d is newer than this build reads (%d)", exported.Version, apitype.DeploymentSchemaVersionLatest)
		} else {
			err = json.Unmarshal(exported.Deployment, &deployment)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("reading the outputs of stack %s: %w", name, err)
	}
	for _, r := range deployment.Resources {
		if r.Type != resource.RootStackType || r.Parent != "" {
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(r.Outputs)) {
			if secret(r.Outputs[k]) {
				return nil, fmt.Errorf("reading the outputs of stack %s: output %s is secret", name, k)
			}
		}
		return r.Outputs, nil
	}
	return map[string]any{}, nil
}

// secret reports whether a checkpoint's value is, or holds, a secret.
func secret(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		if v[sig.Key] == sig.Secret {
			return true
		}
		return slices.ContainsFunc(slices.Collect(maps.Values(v)), secret)
	case []any:
		return slices.ContainsFunc(v, secret)
	}
	return false
}

var _ Store = (*selfManaged)(nil)
