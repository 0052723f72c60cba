package world

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeAPIServer answers the few requests the pool makes of a
// kube-apiserver: lists and deletes of namespaces and CRDs, for a bearer
// token.
type fakeAPIServer struct {
	mu      sync.Mutex
	token   string
	objects map[string][]string // collection path -> names
}

func (f *fakeAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if names, ok := f.objects[r.URL.Path]; ok && r.Method == http.MethodGet {
		var list struct {
			Items []map[string]map[string]string `json:"items"`
		}
		for _, n := range names {
			list.Items = append(list.Items, map[string]map[string]string{"metadata": {"name": n}})
		}
		_ = json.NewEncoder(w).Encode(list)
		return
	}
	collection, name := r.URL.Path[:strings.LastIndex(r.URL.Path, "/")], r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	if i := slices.Index(f.objects[collection], name); r.Method == http.MethodDelete && i >= 0 {
		f.objects[collection] = slices.Delete(f.objects[collection], i, i+1)
		return
	}
	http.NotFound(w, r)
}

// startFake serves a fake API server holding namespaces and CRDs.
func startFake(t *testing.T, token string, namespaces, crds []string) (*APIServer, *fakeAPIServer) {
	t.Helper()
	f := &fakeAPIServer{token: token, objects: map[string][]string{
		"/api/v1/namespaces": append(slices.Clone(systemNamespaces), namespaces...),
		"/apis/apiextensions.k8s.io/v1/customresourcedefinitions": crds,
		"/api/v1/services": nil,
	}}
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	return &APIServer{Endpoint: srv.URL, Token: token}, f
}

func TestContentsListsWhatANewClusterDoesNotHave(t *testing.T) {
	server, _ := startFake(t, "t", []string{"team-a", "flux-system"}, []string{"kustomizations.kustomize.toolkit.fluxcd.io"})
	got, err := server.Contents(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"crd/kustomizations.kustomize.toolkit.fluxcd.io", "namespace/flux-system", "namespace/team-a"}, got)

	server.Token = "wrong"
	_, err = server.Contents(context.Background())
	assert.ErrorContains(t, err, "401", "the administrator's token is sent")
}

func TestADeletedClusterLeavesItsServerEmpty(t *testing.T) {
	s := seeded(t)
	p, fakes := fakePool(t, 1)
	s.pool = p
	// A server left dirty by a run that stopped half-way is wiped when a
	// cluster claims it.
	fakes[0].add("/api/v1/namespaces", "left-over")
	c := newCluster(t, s, inCluster, "wiped", network(t, s, inCluster, 2))
	server, err := p.Of(s.dir, c.Str("arn"))
	require.NoError(t, err)
	left, err := server.Contents(context.Background())
	require.NoError(t, err)
	assert.Empty(t, left, "a new cluster starts empty")

	fakes[0].add("/api/v1/namespaces", "team-a")
	fakes[0].add("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", "gitrepositories.source.toolkit.fluxcd.io")
	require.NoError(t, s.Delete(inCluster, "aws:eks/cluster:Cluster", c.ID))
	left, err = server.Contents(context.Background())
	require.NoError(t, err)
	assert.Empty(t, left, "deleting the cluster deletes what was in it")
	assert.Equal(t, systemNamespaces, fakes[0].names("/api/v1/namespaces"), "the namespaces every cluster has stay")
	servers, err := p.Servers()
	require.NoError(t, err)
	assert.Empty(t, servers[0].Cluster, "and the server is free")
}

// add puts an object into a collection of the fake.
func (f *fakeAPIServer) add(collection, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[collection] = append(f.objects[collection], name)
}

// names returns the names in a collection of the fake.
func (f *fakeAPIServer) names(collection string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.objects[collection])
}
