//go:build e2e

// Package e2e applies what the library creates inside a cluster, for real:
// the Pulumi engine (the CLI, driven by the Automation API with an inline
// program and a file:// backend) and the pulumi-kubernetes provider against
// a real kube-apiserver on loopback. scripts/e2e.sh builds the tools,
// starts the server and runs these tests.
package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/partition"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/trust"
)

// env returns a setting scripts/e2e.sh exports, failing the test when it
// is missing: this tier runs only against the server the script starts.
func env(t *testing.T, key string) string {
	t.Helper()
	v := os.Getenv(key)
	require.NotEmpty(t, v, "%s is not set: run the e2e tier with scripts/e2e.sh", key)
	return v
}

// tenantAccount is the workload account each tenant's roles are in.
func tenantAccount(i int) providers.Account {
	return providers.Account{AccountRegion: partition.AccountRegion{ID: fmt.Sprintf("44445555%04d", i), Region: "us-west-2"}}
}

// tenants is the configuration the test applies: three tenants, each with
// an IRSA service account, a chained one and a GitOps reconciler; payroll
// may also reach its database in the subnets shared with it, and search
// asks for the baseline Pod Security Standard instead of restricted.
func tenants() []tenancy.Args {
	var out []tenancy.Args
	for i, name := range []string{"payroll", "reports", "search"} {
		acct := tenantAccount(i)
		var egress []tenancy.EgressRule
		if name == "payroll" {
			egress = []tenancy.EgressRule{{CIDRs: []string{"10.0.0.0/19", "10.0.32.0/19"}, Ports: []tenancy.Port{{Port: 5432}}}}
		}
		var podSecurity string
		if name == "search" {
			podSecurity = tenancy.PodSecurityBaseline
		}
		out = append(out, tenancy.Args{
			Namespace: tenancy.Namespace{
				Name:        name,
				Labels:      map[string]string{tenancy.TenantLabel: name, tenancy.AccountLabel: acct.ID},
				Quota:       tenancy.Quota{CPU: fmt.Sprint(4 * (i + 1)), Memory: fmt.Sprintf("%dGi", 8*(i+1)), Pods: 20 * (i + 1)},
				Egress:      egress,
				PodSecurity: podSecurity,
			},
			ServiceAccounts: []tenancy.ServiceAccount{
				{Name: "app", IRSARoleARN: acct.RoleARN("/eks-multi-account/e2e/", "e2e-"+name+"-app")},
				{Name: "worker", Chain: &tenancy.ChainConfig{
					TargetRoleARN: acct.RoleARN("/eks-multi-account/e2e/", "e2e-"+name+"-worker"), SessionName: name + ".worker", DurationSeconds: 3600,
				}},
			},
			GitOps: true,
		})
	}
	return out
}

// harness is one stack under test and a client of the API server.
type harness struct {
	t     *testing.T
	ctx   context.Context
	stack auto.Stack
	api   string
	token string
	http  *http.Client
	// config is what the inline program applies; tests change it between
	// updates.
	config []tenancy.Args
}

func newHarness(t *testing.T) *harness {
	ctx := context.Background()
	kubeconfig, err := os.ReadFile(env(t, "EKS_MA_E2E_KUBECONFIG"))
	require.NoError(t, err)
	h := &harness{
		t: t, ctx: ctx, api: env(t, "EKS_MA_E2E_API"), token: env(t, "EKS_MA_E2E_TOKEN"), config: tenants(),
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}},
	}
	program := func(ctx *pulumi.Context) error {
		k8s, err := kubernetes.NewProvider(ctx, "e2e", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String(string(kubeconfig))})
		if err != nil {
			return err
		}
		for _, a := range h.config {
			a.KubernetesProvider = k8s
			if _, err := tenancy.NewTenancy(ctx, a.Namespace.Name, &a); err != nil {
				return err
			}
		}
		return nil
	}
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: env(t, "EKS_MA_E2E_PULUMI_ROOT"), SkipVersionCheck: true})
	require.NoError(t, err)
	state := env(t, "EKS_MA_E2E_STATE")
	require.NoError(t, os.MkdirAll(state, 0o755))
	project := workspace.Project{
		Name: "tenancy-e2e", Runtime: workspace.NewProjectRuntimeInfo("go", nil),
		Backend: &workspace.ProjectBackend{URL: "file://" + state},
	}
	h.stack, err = auto.UpsertStackInlineSource(ctx, "e2e", "tenancy-e2e", program,
		auto.Project(project), auto.Pulumi(cmd),
		auto.EnvVars(map[string]string{"PULUMI_CONFIG_PASSPHRASE": "e2e", "PULUMI_SKIP_UPDATE_CHECK": "true"}))
	require.NoError(t, err)
	return h
}

// request calls the API server as the admin and decodes the JSON answer.
func (h *harness) request(method, path string, body any) (int, map[string]any) {
	h.t.Helper()
	var in io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(h.t, err)
		in = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(h.ctx, method, h.api+path, in)
	require.NoError(h.t, err)
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.http.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(h.t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func (h *harness) get(path string) map[string]any {
	h.t.Helper()
	code, out := h.request(http.MethodGet, path, nil)
	require.Equal(h.t, http.StatusOK, code, "GET %s: %v", path, out["message"])
	return out
}

func field(obj map[string]any, path ...string) any {
	var cur any = obj
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// checkObjects reads every object back from the API server and compares it
// to the configuration.
func (h *harness) checkObjects() {
	t := h.t
	for _, a := range h.config {
		ns := a.Namespace.Name
		obj := h.get("/api/v1/namespaces/" + ns)
		assert.Equal(t, ns, field(obj, "metadata", "labels", tenancy.TenantLabel))
		assert.Equal(t, a.Namespace.Labels[tenancy.AccountLabel], field(obj, "metadata", "labels", tenancy.AccountLabel))
		enforced := tenancy.PodSecurityRestricted
		if a.Namespace.PodSecurity != "" {
			enforced = a.Namespace.PodSecurity
		}
		assert.Equal(t, enforced, field(obj, "metadata", "labels", tenancy.PodSecurityEnforceLabel), ns)

		quota := h.get("/api/v1/namespaces/" + ns + "/resourcequotas/tenant-quota")
		assert.Equal(t, map[string]any{
			"requests.cpu": a.Namespace.Quota.CPU, "limits.cpu": a.Namespace.Quota.CPU,
			"requests.memory": a.Namespace.Quota.Memory, "limits.memory": a.Namespace.Quota.Memory,
			"pods": fmt.Sprint(a.Namespace.Quota.Pods),
		}, field(quota, "spec", "hard"), ns)

		limits := h.get("/api/v1/namespaces/" + ns + "/limitranges/tenant-limits")
		l := a.Namespace.Limits.WithDefaults()
		item := field(limits, "spec", "limits").([]any)[0].(map[string]any)
		assert.Equal(t, map[string]any{"cpu": l.DefaultRequestCPU, "memory": l.DefaultRequestMemory}, item["defaultRequest"], ns)
		assert.Equal(t, map[string]any{"cpu": l.DefaultCPU, "memory": l.DefaultMemory}, item["default"], ns)

		netpol := h.get("/apis/networking.k8s.io/v1/namespaces/" + ns + "/networkpolicies/tenant-default")
		assert.Equal(t, []any{"Ingress", "Egress"}, field(netpol, "spec", "policyTypes"))
		egress := field(netpol, "spec", "egress").([]any)
		require.Len(t, egress, 4+len(a.Namespace.Egress), "own namespace, DNS, the Pod Identity agent, HTTPS, and the tenant's own")
		assert.Equal(t, map[string]any{"cidr": "0.0.0.0/0", "except": []any{tenancy.InstanceMetadataIPv4}},
			field(egress[3].(map[string]any), "to").([]any)[0].(map[string]any)["ipBlock"])
		for j, e := range a.Namespace.Egress {
			rule := egress[4+j].(map[string]any)
			var cidrs []string
			for _, to := range rule["to"].([]any) {
				cidrs = append(cidrs, field(to.(map[string]any), "ipBlock", "cidr").(string))
			}
			assert.Equal(t, e.CIDRs, cidrs, ns)
			assert.Equal(t, []any{map[string]any{"protocol": "TCP", "port": float64(e.Ports[0].Port)}}, rule["ports"], ns)
		}

		app := h.get("/api/v1/namespaces/" + ns + "/serviceaccounts/app")
		assert.Equal(t, a.ServiceAccounts[0].IRSARoleARN, field(app, "metadata", "annotations", tenancy.IRSAAnnotation))
		cm := h.get("/api/v1/namespaces/" + ns + "/configmaps/" + tenancy.ConfigMapName("worker"))
		assert.Equal(t, a.ServiceAccounts[1].Chain.File(), field(cm, "data", tenancy.ConfigKey))
		assert.Equal(t, tenancy.CredentialProcessScript, field(cm, "data", tenancy.ScriptKey))

		rb := h.get("/apis/rbac.authorization.k8s.io/v1/namespaces/" + ns + "/rolebindings/" + tenancy.ReconcilerServiceAccount)
		assert.Equal(t, map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"}, field(rb, "roleRef"))
	}
}

// tokenClaims asks the API server for a service account token with the STS
// audience and returns its claims.
func (h *harness) tokenClaims(ns, sa string) map[string]any {
	t := h.t
	code, out := h.request(http.MethodPost, "/api/v1/namespaces/"+ns+"/serviceaccounts/"+sa+"/token", map[string]any{
		"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
		"spec": map[string]any{"audiences": []string{trust.STSAudience}, "expirationSeconds": 600},
	})
	require.Equal(t, http.StatusCreated, code, "TokenRequest: %v", out["message"])
	parts := strings.Split(field(out, "status", "token").(string), ".")
	require.Len(t, parts, 3, "a JWT")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(payload, &claims))
	return claims
}

// allowed asks the API server whether a service account may create a
// Deployment in a namespace.
func (h *harness) allowed(saNamespace, sa, namespace string) bool {
	code, out := h.request(http.MethodPost, "/apis/authorization.k8s.io/v1/subjectaccessreviews", map[string]any{
		"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
		"spec": map[string]any{
			"user":               "system:serviceaccount:" + saNamespace + ":" + sa,
			"groups":             []string{"system:serviceaccounts", "system:serviceaccounts:" + saNamespace, "system:authenticated"},
			"resourceAttributes": map[string]any{"namespace": namespace, "verb": "create", "group": "apps", "resource": "deployments"},
		},
	})
	require.Equal(h.t, http.StatusCreated, code, "SubjectAccessReview: %v", out["message"])
	return field(out, "status", "allowed") == true
}

func (h *harness) up(opts ...optup.Option) (auto.UpResult, error) {
	return h.stack.Up(h.ctx, append([]optup.Option{optup.ProgressStreams(io.Discard)}, opts...)...)
}

func TestTenancyOnARealAPIServer(t *testing.T) {
	h := newHarness(t)
	t.Cleanup(func() { _, _ = h.stack.Destroy(h.ctx, optdestroy.ProgressStreams(io.Discard)) })

	res, err := h.up()
	require.NoError(t, err, "the first update")
	require.NotNil(t, res.Summary.ResourceChanges)
	assert.Equal(t, 2+3*10, (*res.Summary.ResourceChanges)["create"],
		"the stack and the provider, and per tenant: component, namespace, quota, limits, policy, 2 service accounts, config map, reconciler and its binding")
	h.checkObjects()

	t.Run("a second update changes nothing", func(t *testing.T) {
		res, err := h.up(optup.ExpectNoChanges())
		require.NoError(t, err)
		require.NotNil(t, res.Summary.ResourceChanges)
		for op, n := range *res.Summary.ResourceChanges {
			assert.Equal(t, "same", op, "%d resources would %s", n, op)
		}
	})

	t.Run("the token's subject is what the IRSA trust expects", func(t *testing.T) {
		issuer := env(t, "EKS_MA_E2E_ISSUER")
		for i, a := range h.config {
			claims := h.tokenClaims(a.Namespace.Name, "app")
			id := trust.Identity{ClusterARN: "arn:aws:eks:us-west-2:111122223333:cluster/e2e", Namespace: a.Namespace.Name, ServiceAccount: "app"}
			acct := tenantAccount(i)
			doc := trust.IRSA(acct.OIDCProviderARN(trust.IssuerHostPath(issuer)), issuer, id)
			host := trust.IssuerHostPath(issuer)
			wantSub := doc.Statement[0].Condition["StringEquals"][host+":sub"]
			require.Len(t, wantSub, 1)
			assert.Equal(t, wantSub[0], claims["sub"], "the token's sub is exactly the trust policy's")
			assert.Equal(t, issuer, claims["iss"])
			assert.Equal(t, []any{trust.STSAudience}, claims["aud"])
		}
	})

	t.Run("a GitOps reconciler is confined to its namespace", func(t *testing.T) {
		for _, a := range h.config {
			ns := a.Namespace.Name
			assert.True(t, h.allowed(ns, tenancy.ReconcilerServiceAccount, ns), "%s may deploy in its own namespace", ns)
			for _, other := range h.config {
				if other.Namespace.Name != ns {
					assert.False(t, h.allowed(ns, tenancy.ReconcilerServiceAccount, other.Namespace.Name), "%s may not deploy in %s", ns, other.Namespace.Name)
				}
			}
			assert.False(t, h.allowed(ns, "app", ns), "an application's service account gets no RBAC")
		}
	})

	t.Run("pod security: a privileged pod is refused, and restricted holds unless a tenant asks for baseline", func(t *testing.T) {
		// dryRun=All runs admission and keeps nothing.
		admit := func(ns string, securityContext map[string]any) (int, string) {
			code, out := h.request(http.MethodPost, "/api/v1/namespaces/"+ns+"/pods?dryRun=All", map[string]any{
				"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "probe"},
				"spec": map[string]any{"containers": []any{map[string]any{"name": "probe", "image": "busybox", "securityContext": securityContext}}},
			})
			message, _ := out["message"].(string)
			return code, message
		}
		privileged := map[string]any{"privileged": true}
		for _, ns := range []string{"payroll", "search"} {
			code, message := admit(ns, privileged)
			assert.Equal(t, http.StatusForbidden, code, "%s: %s", ns, message)
			assert.Contains(t, message, "violates PodSecurity", ns)
			assert.Contains(t, message, "privileged", ns)
		}
		// Running as root with the default capabilities is baseline, not
		// restricted.
		code, message := admit("payroll", map[string]any{})
		assert.Equal(t, http.StatusForbidden, code, message)
		assert.Contains(t, message, `violates PodSecurity "restricted:latest"`)
		code, message = admit("search", map[string]any{})
		assert.Equal(t, http.StatusCreated, code, "baseline admits it: %s", message)
	})

	t.Run("the server rejects an invalid change and the stack is left as it was", func(t *testing.T) {
		good := h.config[0].Namespace.Limits
		h.config[0].Namespace.Limits.DefaultRequestCPU = "2" // above the 500m default limit
		_, err := h.up()
		require.Error(t, err)
		assert.Contains(t, err.Error(), `spec.limits[0].defaultRequest[cpu]: Invalid value: "2": default request value 2 is greater than default limit value 500m`)
		h.config[0].Namespace.Limits = good
		h.checkObjects() // the server kept every object as it was

		// Pulumi recorded the rejected inputs, so the next update re-applies
		// the good ones to that one object, and then nothing changes.
		res, err := h.up()
		require.NoError(t, err)
		require.NotNil(t, res.Summary.ResourceChanges)
		assert.LessOrEqual(t, (*res.Summary.ResourceChanges)["update"], 1)
		assert.Zero(t, (*res.Summary.ResourceChanges)["create"]+(*res.Summary.ResourceChanges)["delete"]+(*res.Summary.ResourceChanges)["replace"])
		_, err = h.up(optup.ExpectNoChanges())
		require.NoError(t, err, "the stack matches the configuration again")
		h.checkObjects()
	})

	t.Run("destroy removes everything", func(t *testing.T) {
		_, err := h.stack.Destroy(h.ctx, optdestroy.ProgressStreams(io.Discard))
		require.NoError(t, err)
		for _, a := range h.config {
			gone := false
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
				if code, _ := h.request(http.MethodGet, "/api/v1/namespaces/"+a.Namespace.Name, nil); code == http.StatusNotFound {
					gone = true
					break
				}
			}
			assert.True(t, gone, "namespace %s is gone", a.Namespace.Name)
		}
	})
}
