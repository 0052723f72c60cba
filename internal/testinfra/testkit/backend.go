package testkit

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/pkg/v3/backend/diy"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/require"
)

// UpdatedStack creates a stack on a file backend (dir) as an update that
// exported outputs and registered resources leaves it: a checkpoint whose
// root stack resource holds the outputs, the resources after it, without
// a Pulumi CLI.
func UpdatedStack(t testing.TB, dir, project, stack string, outputs map[string]any, resources ...apitype.ResourceV3) {
	t.Helper()
	ctx := context.Background()
	sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never})
	b, err := diy.New(ctx, sink, "file://"+filepath.ToSlash(dir), &workspace.Project{Name: tokens.PackageName(project)})
	require.NoError(t, err)
	ref, err := b.ParseStackReference(stack)
	require.NoError(t, err)
	root := resource.NewURN(tokens.QName(stack), tokens.PackageName(project), "", resource.RootStackType, project+"-"+stack)
	deployment, err := json.Marshal(apitype.DeploymentV3{Resources: append([]apitype.ResourceV3{
		{URN: root, Type: resource.RootStackType, Custom: false, Outputs: outputs},
	}, resources...)})
	require.NoError(t, err)
	_, err = b.CreateStack(ctx, ref, "", &apitype.UntypedDeployment{Version: 3, Deployment: deployment}, nil)
	require.NoError(t, err)
}
