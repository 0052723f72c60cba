package stackstate

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/sig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

// openTemp opens a new file backend for a project.
func openTemp(t *testing.T, dir, project string) Store {
	t.Helper()
	s, err := Open(context.Background(), "file://"+filepath.ToSlash(dir), project, nil, io.Discard)
	require.NoError(t, err)
	require.IsType(t, &selfManaged{}, s, "a file backend is read in process")
	return s
}

func TestAFileBackendKeepsEachStacksTagsAndListsThemAtOnce(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	s := openTemp(t, dir, "fleet")
	require.NoError(t, s.Record(ctx, "a", map[string]string{"vend:vpcCidr": "10.128.0.0/20"}))
	require.NoError(t, s.Record(ctx, "b", map[string]string{"vend:digest": "pending"}))
	require.NoError(t, s.Record(ctx, "a", map[string]string{"vend:digest": "d1"}))
	// Another project's stack on the same backend is not the fleet's.
	require.NoError(t, openTemp(t, dir, "other").Record(ctx, "c", map[string]string{"vend:digest": "x"}))

	// A second opening reads what the first wrote: the backend is the store.
	all, err := openTemp(t, dir, "fleet").Stacks(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"vend:vpcCidr": "10.128.0.0/20", "vend:digest": "d1"}, withoutSystemTags(all["a"]), "a record keeps the stack's other tags")
	assert.Equal(t, map[string]string{"vend:digest": "pending"}, withoutSystemTags(all["b"]))
	assert.Equal(t, []string{"a", "b"}, slices.Sorted(maps.Keys(all)))

	one, err := s.Tags(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, all["a"], one)
	up, err := s.LastUpdate(ctx, "a")
	require.NoError(t, err)
	assert.Zero(t, up, "a stack never updated has no last update")
}

func TestAnUnreadableTagsFileIsAnErrorNotAStackWithoutTags(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	s := openTemp(t, dir, "fleet")
	require.NoError(t, s.Record(ctx, "a", map[string]string{"vend:vpcCidr": "10.128.0.0/20"}))
	files, err := filepath.Glob(filepath.Join(dir, ".pulumi", "stacks", "fleet", "a.pulumi-tags"))
	require.NoError(t, err)
	require.Len(t, files, 1, "the backend keeps the tags beside the stack")
	require.NoError(t, os.WriteFile(files[0], []byte("{half a file"), 0o644))

	_, err = s.Stacks(ctx)
	require.ErrorContains(t, err, "reading the tags of stack a")
	_, err = s.Tags(ctx, "a")
	require.ErrorContains(t, err, "reading the tags of stack a")
	require.Error(t, s.Record(ctx, "a", map[string]string{"vend:digest": "d"}), "nor is a record written over a set it could not read")
}

func TestTagsOfAStackThatDoesNotExistIsAnError(t *testing.T) {
	_, err := openTemp(t, t.TempDir(), "fleet").Tags(context.Background(), "nowhere")
	require.ErrorContains(t, err, "reading the tags of stack nowhere: no such stack")
}

// withoutSystemTags drops the tags the backend sets itself.
func withoutSystemTags(tags map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range tags {
		if k != "pulumi:project" {
			out[k] = v
		}
	}
	return out
}

func TestOutputsAreReadFromTheCheckpointAndASecretOneIsAnError(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	network := map[string]any{"vpcId": "vpc-1", "privateSubnetIds": []any{"subnet-1", "subnet-2"}, "sharedWith": []any{"111111111111"}}
	testkit.UpdatedStack(t, dir, "fleet", "network", map[string]any{"network": network})
	testkit.UpdatedStack(t, dir, "fleet", "cluster", map[string]any{
		"vpcId":    "vpc-2",
		"clusters": map[string]any{"a": map[string]any{sig.Key: sig.Secret, "ciphertext": "v1:abc"}},
	})
	s := openTemp(t, dir, "fleet")
	require.NoError(t, s.Record(ctx, "new", nil))

	outs, err := s.Outputs(ctx, "network")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"network": network}, outs)
	_, err = s.Outputs(ctx, "cluster")
	require.EqualError(t, err, "reading the outputs of stack cluster: output clusters is secret")
	outs, err = s.Outputs(ctx, "new")
	require.NoError(t, err)
	assert.Empty(t, outs, "a stack never updated has no outputs")
	_, err = s.Outputs(ctx, "nowhere")
	require.ErrorContains(t, err, "no such stack")
}

// BenchmarkStacksOfAFleet reads the tags of every stack of a fleet of 30,
// 300 and 1,000 stacks on a file backend, as vend's every command does.
func BenchmarkStacksOfAFleet(b *testing.B) {
	for _, n := range []int{30, 300, 1000} {
		b.Run(fmt.Sprintf("stacks=%d", n), func(b *testing.B) {
			ctx, dir := context.Background(), b.TempDir()
			s, err := Open(ctx, "file://"+filepath.ToSlash(dir), "fleet", nil, io.Discard)
			require.NoError(b, err)
			for i := range n {
				require.NoError(b, s.Record(ctx, fmt.Sprintf("f%04d", i), map[string]string{
					"vend:digest": "0123456789abcdef0123456789abcdef", "vend:vpcCidr": "10.128.0.0/20", "vend:account": "700000000000",
					"vend:region": "us-west-2", "vend:networking": "dedicated", "vend:team": "fleet", "vend:environment": "dev",
					"vend:blueprint": "general-purpose", "vend:blueprintVersion": "1", "vend:kubernetesVersion": "1.34",
				}))
			}
			b.ResetTimer()
			for b.Loop() {
				all, err := s.Stacks(ctx)
				if err != nil || len(all) != n {
					b.Fatalf("read %d stacks, %v", len(all), err)
				}
			}
		})
	}
}

// A read that fails as a read of a file being written does (EOF) is run
// again until it reads; any other error is returned at once.
func TestAReadOfAFileBeingWrittenIsRunAgain(t *testing.T) {
	calls := 0
	err := whileWritten(context.Background(), func() error {
		if calls++; calls < 3 {
			return fmt.Errorf("failed to load checkpoint: %w", io.EOF)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 3, calls)

	calls = 0
	err = whileWritten(context.Background(), func() error { calls++; return os.ErrPermission })
	require.ErrorIs(t, err, os.ErrPermission)
	assert.Equal(t, 1, calls, "not a file being written: no second read")
}

// The stacks named in except are listed but their tags not read: a stack
// being written by its own update (vend's lock) is left alone.
func TestStacksLeavesTheExceptedAlone(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	s := openTemp(t, dir, "fleet")
	require.NoError(t, s.Record(ctx, "a", map[string]string{"k": "v"}))
	require.NoError(t, s.Record(ctx, "lock", map[string]string{"k": "v"}))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".pulumi", "stacks", "fleet", "lock.pulumi-tags"), []byte("{half"), 0o644))
	all, err := s.Stacks(ctx, "lock")
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, slices.Sorted(maps.Keys(all)))
}
