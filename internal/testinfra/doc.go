// Package testinfra is the root of what only tests load: the stand-in AWS
// and EKS plugins of the real-engine tier with their world and driver
// (standin), and the helpers the component and stack tests share (testkit).
//
// Nothing a user runs may load them: no package reachable from the root
// program, a command under cmd/, a component, a stack or an example imports
// anything under this folder. TestNothingShippedLoadsTestInfrastructure holds
// the rule. The product's own engines (the mock engine the planner runs the
// stacks under, the planner, the checks, vending) live beside this folder in
// internal/, not in it.
package testinfra
