package vend

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A retired stack's report lists what its destroy leaves, with the account
// of each: data retained on delete and KMS keys, which KMS only schedules
// for deletion; nothing else.
func TestKeptListsWhatADestroyLeavesAndWhere(t *testing.T) {
	const provider = "urn:pulumi:dev::p::pulumi:providers:aws::acct"
	state := apitype.DeploymentV3{Resources: []apitype.ResourceV3{
		{URN: provider, ID: "prov-id", Type: "pulumi:providers:aws", Inputs: map[string]any{"allowedAccountIds": `["323232323232"]`}},
		{URN: "urn:pulumi:dev::p::aws:dynamodb/table:Table::orders", ID: "orders", Type: "aws:dynamodb/table:Table", Provider: provider + "::prov-id", RetainOnDelete: true},
		{URN: "urn:pulumi:dev::p::aws:kms/key:Key::secrets", ID: "k-1", Type: "aws:kms/key:Key", Provider: provider + "::prov-id", Inputs: map[string]any{"deletionWindowInDays": 7}},
		{URN: "urn:pulumi:dev::p::aws:ec2/vpc:Vpc::vpc", ID: "vpc-1", Type: "aws:ec2/vpc:Vpc", Provider: provider + "::prov-id"},
	}}
	data, err := json.Marshal(state)
	require.NoError(t, err)
	kept, err := keptBy(apitype.UntypedDeployment{Version: 3, Deployment: data})
	require.NoError(t, err)
	require.Len(t, kept, 2)
	assert.Equal(t, "aws:dynamodb/table:Table orders (orders) in account 323232323232: retained on delete", kept[0].String())
	assert.Equal(t, "aws:kms/key:Key secrets (k-1) in account 323232323232: pending deletion for 7 days (KMS never deletes a key at once)", kept[1].String())
}
