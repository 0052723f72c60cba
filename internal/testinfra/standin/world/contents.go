package world

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// systemNamespaces are the namespaces every new cluster has.
var systemNamespaces = []string{"default", "kube-node-lease", "kube-public", "kube-system"}

// Contents lists what a program may have created on the server, beyond
// what every new cluster has: its namespaces ("namespace/<name>") and
// custom resource definitions ("crd/<name>"), sorted. Namespaced objects
// are listed by their namespace.
func (s *APIServer) Contents(ctx context.Context) ([]string, error) {
	var out []string
	namespaces, err := s.names(ctx, "/api/v1/namespaces")
	if err != nil {
		return nil, err
	}
	for _, n := range namespaces {
		if !slices.Contains(systemNamespaces, n) {
			out = append(out, "namespace/"+n)
		}
	}
	crds, err := s.names(ctx, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
	if err != nil {
		return nil, err
	}
	for _, n := range crds {
		out = append(out, "crd/"+n)
	}
	slices.Sort(out)
	return out, nil
}

// wipe deletes what Contents lists and waits until it is gone, as a
// deleted EKS cluster takes everything in it along: the next cluster the
// server serves starts as empty as a new EKS cluster does.
func (s *APIServer) wipe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		left, err := s.Contents(ctx)
		if err != nil || len(left) == 0 {
			return err
		}
		// With the cluster, the controllers that would remove the load
		// balancers' finalizers are gone too; the load balancers stay in
		// AWS (the world), as they do when an EKS cluster is deleted first.
		if err := s.dropLoadBalancerFinalizers(ctx); err != nil {
			return err
		}
		for _, item := range left {
			// A namespace is gone once the controller manager has deleted
			// what is in it; deleting it again while it terminates is
			// harmless.
			kind, name, _ := strings.Cut(item, "/")
			path := "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + name
			if kind == "namespace" {
				path = "/api/v1/namespaces/" + name
			}
			if err := s.call(ctx, http.MethodDelete, path, nil); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("API server %s still holds %v: %w", s.Endpoint, left, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Create creates an object in a collection (an API path), as the server's
// administrator: what a tenant's Flux does, outside any stack's state.
func (s *APIServer) Create(ctx context.Context, collection string, object any) error {
	return s.send(ctx, http.MethodPost, collection, object, nil)
}

// Namespaces lists the namespaces that carry a label.
func (s *APIServer) Namespaces(ctx context.Context, label string) ([]string, error) {
	return s.names(ctx, "/api/v1/namespaces?labelSelector="+url.QueryEscape(label))
}

// names lists the names of the objects of a collection.
func (s *APIServer) names(ctx context.Context, path string) ([]string, error) {
	var list struct {
		Items []struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		} `json:"items"`
	}
	if err := s.call(ctx, http.MethodGet, path, &list); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(list.Items))
	for _, item := range list.Items {
		out = append(out, item.Metadata.Name)
	}
	return out, nil
}

// call sends one request without a body as the server's administrator; a
// delete of what is already gone succeeds.
func (s *APIServer) call(ctx context.Context, method, path string, into any) error {
	return s.send(ctx, method, path, nil, into)
}

// patch merges patch into an object (a JSON merge patch).
func (s *APIServer) patch(ctx context.Context, path string, patch any) error {
	return s.send(ctx, http.MethodPatch, path, patch, nil)
}

// send sends one request as the server's administrator, with body as JSON
// (a merge patch for PATCH) unless it is nil; a delete of what is already
// gone succeeds.
func (s *APIServer) send(ctx context.Context, method, path string, body, into any) error {
	client, err := s.client()
	if err != nil {
		return err
	}
	var content io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		content = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.Endpoint+path, content)
	if err != nil {
		return err
	}
	if body != nil {
		kind := "application/json"
		if method == http.MethodPatch {
			kind = "application/merge-patch+json"
		}
		req.Header.Set("Content-Type", kind)
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	switch {
	case method == http.MethodDelete && resp.StatusCode == http.StatusNotFound:
		return nil
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("%s %s%s: %s: %s", method, s.Endpoint, path, resp.Status, answer)
	case into != nil:
		return json.Unmarshal(answer, into)
	}
	return nil
}

// client trusts the server's CA bundle, or, for the tier's servers that
// have none, skips verifying a loopback server's certificate.
func (s *APIServer) client() (*http.Client, error) {
	config := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the tier's own loopback servers
	if s.CertificateAuthority != "" {
		pem, err := base64.StdEncoding.DecodeString(s.CertificateAuthority)
		if err != nil {
			return nil, fmt.Errorf("CA bundle of %s: %w", s.Endpoint, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA bundle of %s holds no certificate", s.Endpoint)
		}
		config = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: config}}, nil
}
