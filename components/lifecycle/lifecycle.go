// Package lifecycle runs the steps every component of this library takes,
// in the one order that keeps the error contract: validate the arguments
// before anything is registered, register the component, build its
// children, and register its outputs.
package lifecycle

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Register creates the component comp of type typ from args. Nil args, or
// args that check reports problems with, register nothing. build
// creates the children (parented to comp) and returns the outputs to
// register. Errors are wrapped with the component's kind and name, as in
// `ClusterAccount "prod": ...`.
func Register[A any](ctx *pulumi.Context, typ, name string, comp pulumi.ComponentResource, args *A,
	check func() error, build func() (pulumi.Map, error), opts ...pulumi.ResourceOption,
) error {
	kind := typ[strings.LastIndex(typ, ":")+1:]
	if args == nil {
		var ps validate.Problems
		ps.Add("args", nil, "are required")
		return fmt.Errorf("%s %q: %w", kind, name, ps.Err())
	}
	if err := check(); err != nil {
		return fmt.Errorf("%s %q: %w", kind, name, err)
	}
	if err := ctx.RegisterComponentResource(typ, name, comp, opts...); err != nil {
		return fmt.Errorf("%s %q: %w", kind, name, err)
	}
	outputs, err := build()
	if err != nil {
		return fmt.Errorf("%s %q: %w", kind, name, err)
	}
	if err := ctx.RegisterResourceOutputs(comp, outputs); err != nil {
		return fmt.Errorf("%s %q: registering outputs: %w", kind, name, err)
	}
	return nil
}
