package vend

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/stacks/orgaccounts"
)

// lockStack is the stack whose update is the backend-wide lock.
const lockStack = "vend-lock"

// lock takes the backend-wide lock that serializes CIDR allocation and the
// network stack's update across vend runs: an update of the lock stack
// whose program waits until release. The backend itself refuses a second
// update of a stack while one runs (Pulumi Cloud, and self-managed
// backends, which lock stacks since v3.50), so this works on any backend;
// another run waits, retrying, until timeout, then fails naming the lock.
func (v *vendor) lock(ctx context.Context) (release func() error, err error) {
	deadline := time.Now().Add(v.opts.LockTimeout)
	for wait := time.Second; ; wait = min(2*wait, 15*time.Second) {
		release, err := v.tryLock(ctx)
		if err == nil {
			return release, nil
		}
		if !auto.IsConcurrentUpdateError(err) {
			return nil, fmt.Errorf("taking the backend's vend lock (stack %s): %w", lockStack, err)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("another vend holds the backend's lock (an update of stack %s/%s on %s) after waiting %s; if no vend runs, `pulumi cancel` that stack",
				v.set.Settings.Project, lockStack, v.opts.Backend, v.opts.LockTimeout)
		}
		v.out.say(lockStack, "held by another vend; waiting %s", wait)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// tryLock starts the lock stack's update and returns once its program
// runs, or with the update's error. The program first reads the teams'
// organizational units, when requests wait on them (readOrganizationalUnits).
func (v *vendor) tryLock(ctx context.Context) (func() error, error) {
	held, done := make(chan struct{}), make(chan struct{})
	ws, err := v.workspace(ctx, lockStack, func(pctx *pulumi.Context) error {
		v.readOrganizationalUnits(pctx)
		close(held)
		<-done
		return nil
	})
	if err != nil {
		return nil, err
	}
	s, err := auto.UpsertStack(ctx, lockStack, ws)
	if err != nil {
		return nil, err
	}
	finished := make(chan error, 1)
	go func() {
		_, err := s.Up(ctx, optup.SuppressProgress())
		finished <- err
	}()
	select {
	case <-held:
		return func() error {
			close(done)
			if err := <-finished; err != nil {
				return fmt.Errorf("releasing the backend's vend lock: %w", err)
			}
			return nil
		}, nil
	case err := <-finished:
		if err == nil {
			err = errors.New("the lock stack's update ended before its program ran")
		}
		return nil, err
	}
}

// readOrganizationalUnits reads, through the management account's role
// (vending.yaml's organization.managementRoleArn), which accounts the
// organizational units of the requests left unchecked hold, for prepare to
// check them: the read is an engine invoke, and the lock's program is the
// engine run every apply already makes.
func (v *vendor) readOrganizationalUnits(ctx *pulumi.Context) {
	units := v.set.OrganizationalUnits()
	if len(units) == 0 {
		return
	}
	org := v.set.Settings.Organization
	management, err := providers.NewAccount(ctx, "management", providers.AccountSettings{
		AccountID: org.ManagementAccountID, Region: v.set.Settings.Defaults.Region, RoleARN: org.ManagementRoleArn,
	})
	if err == nil {
		v.units, err = orgaccounts.Under(ctx, management, units, nil)
	}
	if err != nil {
		v.unitsErr = fmt.Errorf("reading the teams' organizational units as %s: %w", org.ManagementRoleArn, err)
	}
}
