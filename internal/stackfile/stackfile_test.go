package stackfile

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadFindsTheNearestProjectAndRendersValuesAsPulumiDoes(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "Pulumi.yaml"), []byte("name: estate\nruntime: go\n"), 0o644))
	dir := filepath.Join(root, "stacks")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	path := filepath.Join(dir, "Pulumi.prod.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`config:
  eks-multi-account:model: centralized
  eks-multi-account:defaults:
    region: us-east-1
    tags: {b: "2", a: "1"}
  eks-multi-account:clusterAccounts:
    - {name: prod, accountId: "111122223333", availabilityZones: 3}
`), 0o644))
	s, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, "estate", s.Project)
	assert.Equal(t, "prod", s.Name)
	assert.Equal(t, map[string]string{
		"eks-multi-account:model":           "centralized",
		"eks-multi-account:defaults":        `{"region":"us-east-1","tags":{"a":"1","b":"2"}}`,
		"eks-multi-account:clusterAccounts": `[{"accountId":"111122223333","availabilityZones":3,"name":"prod"}]`,
	}, s.Config)
}

func TestLoadFSReadsTheProjectBesideTheStack(t *testing.T) {
	fsys := fstest.MapFS{
		"ex/Pulumi.yaml":     {Data: []byte("name: example\n")},
		"ex/Pulumi.dev.yaml": {Data: []byte("config:\n  eks-multi-account:model: decentralized\n")},
	}
	s, err := LoadFS(fsys, "ex/Pulumi.dev.yaml")
	require.NoError(t, err)
	assert.Equal(t, &Stack{Project: "example", Name: "dev", Config: map[string]string{"eks-multi-account:model": "decentralized"}}, s)
}

func TestLoadRejects(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	_, err := Load(write("stack.yaml", "config: {}\n"))
	assert.ErrorContains(t, err, "a stack file is named Pulumi.<stack>.yaml")
	_, err = Load(write("Pulumi.yaml", "name: x\n"))
	assert.ErrorContains(t, err, "a stack file is named Pulumi.<stack>.yaml")
	_, err = Load(write("Pulumi.sec.yaml", "config:\n  eks-multi-account:token:\n    secure: v1:abc\n"))
	assert.ErrorContains(t, err, "config key eks-multi-account:token: is a secret; secrets cannot be decrypted offline")
	_, err = Load(write("Pulumi.bad.yaml", "config: [\n"))
	assert.Error(t, err)
	_, err = Load(filepath.Join(t.TempDir(), "Pulumi.none.yaml"))
	assert.Error(t, err)
}
