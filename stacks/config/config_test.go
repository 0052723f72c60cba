package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/stacks/gitops"
)

func getter(m map[string]string) Getter {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestDefaultsAreAppliedInOnePlace(t *testing.T) {
	c, err := Load(getter(map[string]string{
		"model":            "decentralized",
		"defaults":         `{"region":"us-west-2"}`,
		"networkAccount":   `{"accountId":"999988887777","vpcCidr":"10.10.0.0/16"}`,
		"workloadAccounts": `[{"name":"ml","accountId":"313131313131","networking":"shared","gitops":{"repositories":[{"name":"p","url":"https://x/p.git","team":"platform"}]}}]`,
	}))
	require.NoError(t, err)
	assert.Equal(t, DefaultDeployRoleName, c.Defaults.DeployRoleName)
	assert.Equal(t, DefaultKubernetesVersion, c.Defaults.KubernetesVersion)
	assert.Equal(t, "network", c.NetworkAccount.Name)
	assert.Equal(t, "us-west-2", c.NetworkAccount.Region)
	w := c.WorkloadAccounts[0]
	assert.Equal(t, "ml", w.Namespace)
	assert.Equal(t, crossaccountrole.PodIdentity, w.Identity)
	assert.Equal(t, DefaultBlueprint, w.Blueprint)
	assert.Equal(t, "us-west-2", w.Region, "shared networking takes the network account's region")
	assert.Equal(t, DefaultQuota, w.Quota)
	assert.Equal(t, gitops.Repository{Name: "p", URL: "https://x/p.git", Team: "platform", Branch: "main", Path: "./", Namespace: "platform"}, w.GitOps.Repositories[0])
}

func TestParseIsStrictAndNamesTheElement(t *testing.T) {
	_, err := Parse(getter(map[string]string{
		"defaults":         `{"region":"us-east-1","deployRole":"x"}`,
		"workloadAccounts": `[{"name":"a"},{"name":"b","quota":{"pods":"many"}}]`,
	}))
	require.Error(t, err)
	assert.Equal(t, "model: is required\n"+
		`defaults: has an unknown key "deployRole"`+"\n"+
		"workloadAccounts[1]: quota.pods: expected a whole number, got a string", err.Error())
}
