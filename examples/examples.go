// Package examples holds what the example projects share with the offline
// planner: each project's program, and the bundled stack file that the
// planner plans when it is given none.
package examples

import (
	"embed"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/examples/workloaddata"
)

// Project names of the examples, as their Pulumi.yaml files say.
const (
	CentralizedProject   = "eks-multi-account-centralized"
	DecentralizedProject = "eks-multi-account-decentralized"
)

// Bundled holds the stack file the planner plans by default, and its
// project file.
//
//go:embed centralized/Pulumi.yaml centralized/Pulumi.prod.yaml
var Bundled embed.FS

// BundledStack is the path of the default stack file inside Bundled.
const BundledStack = "centralized/Pulumi.prod.yaml"

// Centralized is the centralized example's program: the stacks, plus the
// payroll account's own data.
func Centralized() pulumi.RunFunc { return workloaddata.Program("payroll") }

// Decentralized is the de-centralized example's program: the stacks, plus
// the ml accounts' own data.
func Decentralized() pulumi.RunFunc { return workloaddata.Program("ml", "ml-dev") }

// Program returns the program of an example project, and false for any
// other project.
func Program(project string) (pulumi.RunFunc, bool) {
	switch project {
	case CentralizedProject:
		return Centralized(), true
	case DecentralizedProject:
		return Decentralized(), true
	}
	return nil, false
}
