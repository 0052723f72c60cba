package lifecycle_test

import (
	"errors"
	"runtime"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

const thingType = "eks-multi-account:index:Thing"

// thing is a component with two outputs and a field that is not one.
type thing struct {
	pulumi.ResourceState

	Name  pulumi.StringOutput    `pulumi:"name"`
	Sizes pulumi.IntArrayOutput  `pulumi:"sizes,optional"`
	Child *pulumi.ResourceState  // not an output: no tag
	Extra pulumi.StringMapOutput // not an output: no tag
	Note  string                 `pulumi:"note"` // tagged but not an input
}

type thingArgs struct{ problem string }

func (a *thingArgs) Validate() error {
	if a.problem != "" {
		return errors.New(a.problem)
	}
	return nil
}

// newThing builds a thing whose build registers one child, or fails with
// buildErr.
func newThing(ctx *pulumi.Context, args *thingArgs, buildErr error) (*thing, error) {
	return lifecycle.New(ctx, thingType, "t", args, func(c *thing) error {
		if buildErr != nil {
			return buildErr
		}
		var child pulumi.ResourceState
		if err := ctx.RegisterComponentResource("eks-multi-account:index:Child", "t-child", &child, pulumi.Parent(c)); err != nil {
			return err
		}
		c.Name = pulumi.String("t").ToStringOutput()
		return nil
	})
}

func TestNewRegistersTheComponentThenItsChildren(t *testing.T) {
	var got *thing
	r := testkit.Run(t, func(ctx *pulumi.Context) error {
		var err error
		got, err = newThing(ctx, &thingArgs{}, nil)
		return err
	})
	require.NoError(t, r.Err)
	require.NotNil(t, got)
	rs := r.Resources()
	comp := testkit.Named(t, rs, thingType, "t")
	child := testkit.Named(t, rs, "eks-multi-account:index:Child", "t-child")
	assert.Equal(t, comp.URN, child.Parent)
}

func TestNothingIsRegisteredForBadArgs(t *testing.T) {
	for name, args := range map[string]*thingArgs{"nil": nil, "invalid": {problem: "size: 0 is too small"}} {
		want := map[string]string{"nil": "args: are required", "invalid": "size: 0 is too small"}[name]
		r := testkit.Run(t, func(ctx *pulumi.Context) error {
			got, err := newThing(ctx, args, nil)
			assert.Nil(t, got)
			return err
		})
		testkit.RequireRejected(t, r, `Thing "t"`, want)
		assert.Empty(t, r.Resources(), name)
	}
}

func TestABuildErrorNamesTheComponent(t *testing.T) {
	r := testkit.Run(t, func(ctx *pulumi.Context) error {
		got, err := newThing(ctx, &thingArgs{}, errors.New("creating child: refused"))
		assert.Nil(t, got)
		return err
	})
	require.Error(t, r.Err)
	assert.Contains(t, r.Err.Error(), `Thing "t": creating child: refused`)
}

func TestOutputsAreTheTaggedInputFields(t *testing.T) {
	c := &thing{
		Name:  pulumi.String("n").ToStringOutput(),
		Sizes: pulumi.ToIntArray([]int{1}).ToIntArrayOutput(),
		Extra: pulumi.ToStringMap(map[string]string{"a": "b"}).ToStringMapOutput(),
		Note:  "not an output",
	}
	outputs := lifecycle.Outputs(c)
	assert.ElementsMatch(t, []string{"name", "sizes"}, keys(outputs))
	assert.Equal(t, c.Name, outputs["name"])
}

func keys(m pulumi.Map) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestBuildDoesNotCarryTheCallersFrames: however deep the program that
// constructs a component, its build (and so every child it registers, whose
// registration records the goroutine's whole stack) sees only its own few
// frames.
func TestBuildDoesNotCarryTheCallersFrames(t *testing.T) {
	var callerDepth, buildDepth int
	r := testkit.Run(t, func(ctx *pulumi.Context) error {
		return deep(60, func() error {
			callerDepth = runtime.Callers(0, make([]uintptr, 512))
			_, err := lifecycle.New(ctx, thingType, "t", &thingArgs{}, func(*thing) error {
				buildDepth = runtime.Callers(0, make([]uintptr, 512))
				return nil
			})
			return err
		})
	})
	require.NoError(t, r.Err)
	require.Greater(t, callerDepth, 60)
	assert.Less(t, buildDepth, 10, "build runs on a goroutine of its own")
}

// deep calls f under n more frames.
func deep(n int, f func() error) error {
	if n == 0 {
		return f()
	}
	return deep(n-1, f)
}

// TestABuildPanicIsRaisedOnTheCallersGoroutine: a panic in build reaches
// the constructor's caller, where it can be recovered, as a direct call's
// would.
func TestABuildPanicIsRaisedOnTheCallersGoroutine(t *testing.T) {
	var recovered any
	testkit.Run(t, func(ctx *pulumi.Context) error {
		defer func() { recovered = recover() }()
		_, err := lifecycle.New(ctx, thingType, "t", &thingArgs{}, func(*thing) error { panic("boom") })
		return err
	})
	assert.Equal(t, "boom", recovered)
}
