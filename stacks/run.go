// Package stacks composes the components into the two models of the EKS
// multi-account strategy. The same code runs for every environment: only
// the stack's configuration (Pulumi.<env>.yaml, keys under the
// eks-multi-account namespace) differs.
//
// Run validates the whole configuration, including the arguments every
// component would get, before the first resource is registered; every
// problem is reported at once with its key path and value.
package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/validate"
	"github.com/eks-multi-account/eks-multi-account/stacks/blueprints"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

// Options are what a program may add to the configuration.
type Options struct {
	// Blueprints are the blueprints de-centralized workload accounts are
	// vended from. Optional; default the built-in ones.
	Blueprints *blueprints.Registry
}

// ConfigError is the error of a configuration that failed validation:
// nothing was registered.
type ConfigError struct {
	// Problems joins every problem, one per line.
	Problems error
}

// Error lists every problem under one heading.
func (e *ConfigError) Error() string { return "invalid configuration:\n" + e.Problems.Error() }

// Unwrap gives errors.Is and errors.As the problems.
func (e *ConfigError) Unwrap() error { return e.Problems }

// model is what one kind of stack creates: the organization-wide
// resources, or one of the two layouts of clusters.
type model interface {
	validate(ps *validate.Problems)
	// preflight reads, through the providers of the accounts it deploys
	// into, what AWS would refuse part way through the deploy: nil, or a
	// *preflight.Error naming every quota or prerequisite short.
	preflight(ctx *pulumi.Context, acc *accounts) error
	apply(ctx *pulumi.Context, acc *accounts) (*Estate, error)
}

// Program is the Pulumi program that runs the stacks alone, for a project
// whose program adds nothing to them (the root project, the organization
// example).
func Program(opts Options) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		_, err := Run(ctx, opts)
		return err
	}
}

// Run reads the stack's configuration and creates the model it names.
func Run(ctx *pulumi.Context, opts Options) (*Estate, error) {
	cfg, err := config.Load(config.FromContext(ctx))
	if err != nil {
		return nil, &ConfigError{Problems: err}
	}
	return RunConfig(ctx, cfg, opts)
}

// RunConfig creates the model a loaded configuration names, exports the
// stack outputs, and returns what it created. With organizationStack, it
// first reads that stack's guarded accounts and returns a *CoverageError,
// having registered nothing but the stack reference, when an account of
// the configuration is not among them. Unless defaults.preflight is
// false, it first reads the quotas (and, for the organization stack, the
// prerequisites) AWS would refuse the stack on, and returns a
// *preflight.Error, having registered nothing but account providers, when
// one falls short.
func RunConfig(ctx *pulumi.Context, cfg *config.Config, opts Options) (*Estate, error) {
	m, err := prepare(cfg, opts)
	if err != nil {
		return nil, err
	}
	if cfg.OrganizationStack != "" {
		if err := checkCoverage(ctx, cfg); err != nil {
			return nil, err
		}
	}
	acc := newAccounts(ctx, cfg.Defaults)
	if cfg.Defaults.PreflightOn() {
		if err := m.preflight(ctx, acc); err != nil {
			return nil, err
		}
	}
	out, err := m.apply(ctx, acc)
	if err != nil {
		return nil, err
	}
	out.export(ctx)
	return out, nil
}

// Validate checks a loaded configuration as Run would, the arguments every
// component would get included, without registering anything: nil, or a
// *ConfigError with every problem.
func Validate(cfg *config.Config, opts Options) error {
	_, err := prepare(cfg, opts)
	return err
}

// prepare validates everything and returns the model to apply.
func prepare(cfg *config.Config, opts Options) (model, error) {
	if opts.Blueprints == nil {
		opts.Blueprints = blueprints.NewRegistry()
	}
	var m model
	switch cfg.Model {
	case config.OrganizationModel:
		m = &organization{cfg: cfg}
	case config.Decentralized:
		m = &decentralized{cfg: cfg, blueprints: opts.Blueprints}
	case config.NetworkModel:
		m = &networkModel{cfg: cfg}
	default:
		m = &centralized{cfg: cfg}
	}
	var ps validate.Problems
	m.validate(&ps)
	if err := ps.Err(); err != nil {
		return nil, &ConfigError{Problems: err}
	}
	return m, nil
}
