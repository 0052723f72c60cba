// Command drive runs one stack file through the real Pulumi engine against
// the stand-in world, as `pulumi up` would with a Go language host (there
// is none here):
//
//	eval "$(bash scripts/standin.sh env)"
//	go run ./internal/testinfra/standin/cmd/drive up examples/organization/Pulumi.org.yaml examples/centralized/Pulumi.dev.yaml
//	go run ./internal/testinfra/standin/cmd/drive up examples/centralized/Pulumi.dev.yaml
//
// The first file is the stack to drive; the others are the stacks of the
// same organization, whose accounts and roles are planted in an empty
// world along with the first's. The stack's state is kept beside the world.
//
// `drive leftovers` lists what the world holds beyond what the organization
// held before any stack, by account, type and ID: after a destroy, what it
// left behind.
//
// `drive plant` only plants: stack files, and vending directories (every
// account and role of every stack vend would deploy), so that cmd/vend can
// run against the world by hand (see examples/vending/README.md).
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"

	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/drive"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
)

const usage = `usage: drive preview|up|destroy Pulumi.<env>.yaml [Pulumi.<env>.yaml | VENDING_DIR ...]
       drive plant Pulumi.<env>.yaml | VENDING_DIR ...
       drive leftovers`

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string) error {
	w, err := drive.FromEnv()
	if err != nil {
		return err
	}
	if len(args) == 1 && args[0] == "leftovers" {
		return leftovers(w)
	}
	if len(args) < 2 {
		return fmt.Errorf("%s", usage)
	}
	op, files := args[0], args[1:]
	if err := plant(w, files); err != nil || op == "plant" {
		return err
	}
	ctx := context.Background()
	s, err := w.Stack(ctx, files[0], filepath.Join(filepath.Dir(w.Dir), "state"))
	if err != nil {
		return err
	}
	switch op {
	case "preview":
		_, err = s.Preview(ctx, optpreview.ProgressStreams(os.Stdout), optpreview.Parallel(256))
	case "up":
		_, err = s.Up(ctx, optup.ProgressStreams(os.Stdout), optup.Parallel(256))
	case "destroy":
		_, err = s.Destroy(ctx, optdestroy.ProgressStreams(os.Stdout), optdestroy.Parallel(256))
	default:
		return fmt.Errorf("%s", usage)
	}
	return err
}

// plant puts the organization of the stack files into the world, or adds
// the accounts and roles they name that it lacks.
func plant(w drive.World, files []string) error {
	store, err := world.Open(w.Dir)
	if err != nil {
		return err
	}
	return store.Update(func(s *world.State) error {
		var docs []*plan.Document
		for _, f := range files {
			d, err := drive.Plans(f)
			if err != nil {
				return err
			}
			docs = append(docs, d...)
		}
		seed, err := drive.Seed(docs, s.Organization.ManagementAccount)
		if err != nil {
			return err
		}
		return s.Join(seed)
	})
}

// leftovers prints what the world holds beyond what the organization held
// before any stack, by account, type and ID.
func leftovers(w drive.World) error {
	store, err := world.Open(w.Dir)
	if err != nil {
		return err
	}
	return store.View(func(s *world.State) error {
		drive.Leftovers(s, os.Stdout)
		return nil
	})
}
