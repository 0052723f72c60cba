package tests

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The IAM oracle: @cloud-copilot/iam-simulate, an IAM policy engine we did
// not write, run by tests/iamsim/sim.mjs under Node. It is AGPL and
// test-only; the library never depends on it.

// Decisions the oracle gives.
const (
	allowed           = "Allowed"
	implicitlyDenied  = "ImplicitlyDenied"
	explicitlyDenied  = "ExplicitlyDenied"
	oracleDir         = "iamsim"
	oraclePackagePath = "iamsim/node_modules/@cloud-copilot/iam-simulate/package.json"
)

var installOracle sync.Once

// ensureOracle installs the pinned oracle with `npm ci` the first time a
// test needs it on a machine where it is missing.
func ensureOracle(t *testing.T) {
	t.Helper()
	installOracle.Do(func() {
		if _, err := os.Stat(oraclePackagePath); err == nil {
			return
		}
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = oracleDir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Logf("npm ci in %s: %v\n%s", oracleDir, err, out)
		}
	})
	_, err := os.Stat(oraclePackagePath)
	require.NoError(t, err, "the IAM oracle is not installed: run `npm ci` in tests/iamsim (Node 20 and the npm registry are needed)")
}

// request is one question for the oracle.
type request struct {
	ID               string         `json:"id"`
	Principal        string         `json:"principal"`
	Action           string         `json:"action"`
	Resource         string         `json:"resource"`
	ResourceAccount  string         `json:"resourceAccount"`
	Context          map[string]any `json:"context,omitempty"`
	IdentityPolicies []string       `json:"identityPolicies,omitempty"`
	ResourcePolicy   string         `json:"resourcePolicy,omitempty"`
	SCPs             []string       `json:"scps,omitempty"`
	RCPs             []string       `json:"rcps,omitempty"`
}

// batch collects requests and the policies they name, and asks the oracle
// about all of them in one run.
type batch struct {
	policies map[string]json.RawMessage
	requests []request
}

func newBatch() *batch { return &batch{policies: map[string]json.RawMessage{}} }

// policy registers a policy document and returns the name requests use.
func (b *batch) policy(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	name := "p" + hex.EncodeToString(sum[:8])
	b.policies[name] = json.RawMessage(doc)
	return name
}

// ask queues a request and returns its ID.
func (b *batch) ask(r request) string {
	r.ID = fmt.Sprint(len(b.requests))
	b.requests = append(b.requests, r)
	return r.ID
}

// run asks the oracle and returns each request's decision by ID.
func (b *batch) run(t *testing.T) map[string]string {
	t.Helper()
	ensureOracle(t)
	input, err := json.Marshal(map[string]any{"policies": b.policies, "requests": b.requests})
	require.NoError(t, err)
	start := time.Now()
	cmd := exec.Command("node", filepath.Join(oracleDir, "sim.mjs"))
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "the oracle failed: %s", stderr.String())
	var res struct {
		Results []struct{ ID, Result string }
	}
	require.NoError(t, json.Unmarshal(out, &res))
	require.Len(t, res.Results, len(b.requests))
	t.Logf("the oracle decided %d requests in %s", len(b.requests), time.Since(start).Round(time.Millisecond))
	decisions := make(map[string]string, len(res.Results))
	for _, r := range res.Results {
		decisions[r.ID] = r.Result
	}
	return decisions
}

// TestOracleSeesIRSAConditions fails if the oracle denies a correct IRSA
// trust: its default entry point drops EKS OIDC condition keys, and the
// harness must not.
func TestOracleSeesIRSAConditions(t *testing.T) {
	const host = "oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
	provider := "arn:aws:iam::444455556666:oidc-provider/" + host
	b := newBatch()
	trust := b.policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + host + `:sub":"system:serviceaccount:payroll:app","` + host + `:aud":"sts.amazonaws.com"}}}]}`)
	ask := func(sub, aud string) string {
		return b.ask(request{Principal: provider, Action: "sts:AssumeRoleWithWebIdentity", Resource: "arn:aws:iam::444455556666:role/app",
			ResourceAccount: "444455556666", ResourcePolicy: trust, Context: map[string]any{host + ":sub": sub, host + ":aud": aud}})
	}
	right := ask("system:serviceaccount:payroll:app", "sts.amazonaws.com")
	wrongSA := ask("system:serviceaccount:payroll:other", "sts.amazonaws.com")
	wrongAud := ask("system:serviceaccount:payroll:app", "example.com")
	got := b.run(t)
	require.Equal(t, allowed, got[right], "a correct IRSA trust must be allowed")
	require.Equal(t, implicitlyDenied, got[wrongSA])
	require.Equal(t, implicitlyDenied, got[wrongAud])
}
