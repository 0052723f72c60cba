package gitops

// GitOpsChildURN exposes gitopsChildURN to the package's tests.
var GitOpsChildURN = gitopsChildURN
