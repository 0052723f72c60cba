// Package lifecycle runs the steps every component of this library takes,
// in the one order that keeps the error contract: validate the arguments
// before anything is registered, register the component, build its
// children, and register its outputs.
//
// A constructor is one call:
//
//	func NewThing(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Thing, error) {
//		b := &builder{ctx: ctx, name: name, args: args}
//		return lifecycle.New(ctx, Type, name, args, b.build, opts...)
//	}
//
// build gets the registered component, creates its children parented to
// it, and sets its output fields. The fields tagged `pulumi:"name"` are the
// component's outputs: they are written once, there, and registered under
// their tags.
//
// build runs on a goroutine of its own, awaited at once, so the
// registrations come in the order a direct call would make them: the Go SDK
// records the whole stack of the registering goroutine with every
// registration (each frame costs a lookup and an allocation), and a fresh
// goroutine's stack holds the component's own frames, not every frame of
// the program above it. The component itself is registered on the caller's
// goroutine, with the caller's whole stack. A panic in build is raised
// again on the caller's goroutine.
package lifecycle

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Component is the constraint on a component type: a pointer to its
// struct, which embeds pulumi.ResourceState.
type Component[C any] interface {
	*C
	pulumi.ComponentResource
}

// Validated is the constraint on a component's arguments: a pointer to a
// struct that says what is wrong with it.
type Validated[A any] interface {
	*A
	Validate() error
}

// New creates the component of type typ from args. Nil args, or args whose
// Validate reports problems, register nothing. Errors are wrapped with the
// component's kind and name, as in `ClusterAccount "prod": ...`.
func New[C, A any, PC Component[C], PA Validated[A]](ctx *pulumi.Context, typ, name string, args PA,
	build func(PC) error, opts ...pulumi.ResourceOption,
) (PC, error) {
	if args == nil {
		var ps validate.Problems
		ps.Add("args", nil, "are required")
		return nil, Wrap(typ, name, ps.Err())
	}
	if err := args.Validate(); err != nil {
		return nil, Wrap(typ, name, err)
	}
	c, err := register[C, PC](ctx, typ, name, opts)
	if err != nil {
		return nil, err
	}
	return finish(ctx, typ, name, c, run(c, build))
}

// Group creates a component whose arguments were validated before: one
// that groups what the stacks create for one entry of the stack file.
func Group[C any, PC Component[C]](ctx *pulumi.Context, typ, name string, build func(PC) error, opts ...pulumi.ResourceOption) (PC, error) {
	c, err := register[C, PC](ctx, typ, name, opts)
	if err != nil {
		return nil, err
	}
	return finish(ctx, typ, name, c, run(c, build))
}

// run calls build(c) on a goroutine of its own and waits for it (see the
// package comment), raising its panic again here.
func run[PC any](c PC, build func(PC) error) error {
	type result struct {
		err      error
		returned bool
		panicked any
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if !r.returned {
				r.panicked = recover()
			}
			done <- r
		}()
		r.err = build(c)
		r.returned = true
	}()
	r := <-done
	if !r.returned {
		panic(r.panicked)
	}
	return r.err
}

// register registers a new component of type typ.
func register[C any, PC Component[C]](ctx *pulumi.Context, typ, name string, opts []pulumi.ResourceOption) (PC, error) {
	c := PC(new(C))
	if err := ctx.RegisterComponentResource(typ, name, c, opts...); err != nil {
		return nil, Wrap(typ, name, err)
	}
	return c, nil
}

// finish registers the component's outputs once build has succeeded, and
// returns the component; or returns build's error.
func finish[PC pulumi.ComponentResource](ctx *pulumi.Context, typ, name string, c PC, built error) (PC, error) {
	var none PC
	if built != nil {
		return none, Wrap(typ, name, built)
	}
	if err := ctx.RegisterResourceOutputs(c, Outputs(c)); err != nil {
		return none, fmt.Errorf("%s %q: registering outputs: %w", kind(typ), name, err)
	}
	return c, nil
}

// Outputs returns a component's outputs: its fields tagged `pulumi:"name"`
// whose values are set, under their tags.
func Outputs(c pulumi.ComponentResource) pulumi.Map {
	v := reflect.ValueOf(c).Elem()
	out := pulumi.Map{}
	for i := range v.NumField() {
		tag, ok := v.Type().Field(i).Tag.Lookup("pulumi")
		if !ok {
			continue
		}
		if in, ok := v.Field(i).Interface().(pulumi.Input); ok {
			out[strings.Split(tag, ",")[0]] = in
		}
	}
	return out
}

// Wrap names the component an error is about, as its constructor does:
// `ClusterAccount "prod": ...`.
func Wrap(typ, name string, err error) error { return fmt.Errorf("%s %q: %w", kind(typ), name, err) }

// kind is the last part of a type token: ClusterAccount.
func kind(typ string) string { return typ[strings.LastIndex(typ, ":")+1:] }
