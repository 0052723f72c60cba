package tenancy_test

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
)

// runCredentialProcess runs the credential-process script as the AWS SDK
// would (`/bin/sh <path>`), with the env vars EKS Pod Identity injects
// pointing at agentURL, and returns its stdout, stderr and exit error.
func runCredentialProcess(t *testing.T, agentURL string) (string, string, error) {
	t.Helper()
	for _, tool := range []string{"/bin/sh", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the script needs %s, which this machine lacks", tool)
		}
	}
	dir := t.TempDir()
	script := filepath.Join(dir, tenancy.ScriptKey)
	require.NoError(t, os.WriteFile(script, []byte(tenancy.CredentialProcessScript), 0o444))
	token := filepath.Join(dir, "eks-pod-identity-token")
	require.NoError(t, os.WriteFile(token, []byte("pod-token"), 0o444))
	cmd := exec.Command("/bin/sh", script)
	cmd.Env = append(os.Environ(), "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="+token, "AWS_CONTAINER_CREDENTIALS_FULL_URI="+agentURL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// agent answers as the EKS Pod Identity agent does, with status and body,
// after checking the pod's token.
func agent(t *testing.T, status int, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "pod-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCredentialProcessPrintsTheAgentsSession(t *testing.T) {
	srv := agent(t, http.StatusOK, `{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"secret","Token":"session-token","AccountId":"111122223333","Expiration":"2026-11-28T13:00:00Z"}`)
	stdout, stderr, err := runCredentialProcess(t, srv.URL+"/v1/credentials")
	require.NoError(t, err, stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
	assert.Equal(t, map[string]any{
		"Version": 1.0, "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "secret",
		"SessionToken": "session-token", "Expiration": "2026-11-28T13:00:00Z",
	}, got)
}

func TestCredentialProcessPassesOnTheAgentsError(t *testing.T) {
	srv := agent(t, http.StatusBadRequest, "Service account token cannot be empty")
	stdout, stderr, err := runCredentialProcess(t, srv.URL+"/v1/credentials")
	require.Error(t, err)
	assert.Empty(t, stdout, "nothing the SDK would read as credentials")
	assert.Contains(t, stderr, "the EKS Pod Identity agent answered HTTP 400: Service account token cannot be empty")
	assert.NotContains(t, stderr, "jq", "the agent's error is not passed to jq")
}

func TestCredentialProcessSaysWhenTheAgentAnswersWithoutCredentials(t *testing.T) {
	srv := agent(t, http.StatusOK, `{"message":"no association"}`)
	stdout, stderr, err := runCredentialProcess(t, srv.URL+"/v1/credentials")
	require.Error(t, err)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, `the EKS Pod Identity agent answered without credentials: {"message":"no association"}`)
}

func TestCredentialProcessSaysWhenTheAgentIsUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + l.Addr().String() + "/v1/credentials"
	require.NoError(t, l.Close())
	stdout, stderr, err := runCredentialProcess(t, url)
	require.Error(t, err)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "cannot reach the EKS Pod Identity agent at "+url)
}
