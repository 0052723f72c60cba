package world

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// PoolEnv names the file listing the tier's API servers.
const PoolEnv = "EKS_MA_STANDIN_APISERVERS"

// APIServer is a real kube-apiserver of the tier; a stand-in EKS cluster
// is served by one.
type APIServer struct {
	// Endpoint is its URL.
	Endpoint string `json:"endpoint"`
	// CertificateAuthority is its CA bundle, base64-encoded PEM, as EKS
	// gives certificateAuthority.data; empty when the tier's servers are
	// reached without verifying their certificates.
	CertificateAuthority string `json:"certificateAuthority"`
	// Token is a bearer token of a cluster administrator.
	Token string `json:"token"`
	// World and Cluster say which world's cluster (by ARN) it serves; empty
	// when free.
	World   string `json:"world,omitempty"`
	Cluster string `json:"cluster,omitempty"`
}

// Pool is the tier's API servers, shared by every world: an EKS cluster of
// any world claims a free one and frees it when deleted, so no two clusters
// ever share a server, whatever world they are in. The file is changed
// under its own lock.
type Pool struct {
	file string
}

// OpenPool returns the pool listed in file, which scripts/standin.sh writes.
func OpenPool(file string) *Pool { return &Pool{file: file} }

// update runs f on the servers under the pool's lock and saves them.
func (p *Pool) update(f func([]*APIServer) error) error {
	return withLock(p.file+".lock", func() error {
		data, err := os.ReadFile(p.file)
		if err != nil {
			return fmt.Errorf("the tier's API servers: %w", err)
		}
		var servers []*APIServer
		if err := json.Unmarshal(data, &servers); err != nil {
			return fmt.Errorf("%s: %w", p.file, err)
		}
		if err := f(servers); err != nil {
			return err
		}
		return writeAtomically(p.file, servers)
	})
}

// claim gives a world's cluster a free server, empty as a new EKS
// cluster is (a run that stopped half-way may have left one unwiped).
func (p *Pool) claim(world, cluster string) (*APIServer, error) {
	var got *APIServer
	err := p.update(func(servers []*APIServer) error {
		for _, s := range servers {
			if s.Cluster == "" {
				s.World, s.Cluster, got = world, cluster, s
				return nil
			}
		}
		return fmt.Errorf("all %d API servers of the tier serve clusters; no free one for %s (start more with EKS_MA_STANDIN_SERVERS)", len(servers), cluster)
	})
	if err != nil {
		return nil, err
	}
	return got, got.wipe(context.Background())
}

// release wipes the server of a world's cluster, as deleting an EKS
// cluster deletes what is in it, and frees it.
func (p *Pool) release(world, cluster string) error {
	return p.releaseWhere(func(s *APIServer) bool { return s.World == world && s.Cluster == cluster })
}

// ReleaseWorld wipes and frees every server a world's clusters hold: for
// a world that is discarded, clusters whose creation the engine abandoned
// included.
func (p *Pool) ReleaseWorld(world string) error {
	return p.releaseWhere(func(s *APIServer) bool { return s.World == world })
}

// releaseWhere wipes the servers held by what matches, outside the pool's
// lock (they stay claimed meanwhile), then frees them.
func (p *Pool) releaseWhere(held func(*APIServer) bool) error {
	servers, err := p.Servers()
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range servers {
		if held(s) {
			errs = append(errs, s.wipe(context.Background()))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return p.update(func(servers []*APIServer) error {
		for _, s := range servers {
			if held(s) {
				s.World, s.Cluster = "", ""
			}
		}
		return nil
	})
}

// Servers returns the servers and what they serve.
func (p *Pool) Servers() ([]*APIServer, error) {
	var out []*APIServer
	err := p.update(func(servers []*APIServer) error {
		out = servers
		return nil
	})
	return out, err
}

// Of returns the server of a world's cluster.
func (p *Pool) Of(world, cluster string) (*APIServer, error) {
	servers, err := p.Servers()
	if err != nil {
		return nil, err
	}
	for _, s := range servers {
		if s.World == world && s.Cluster == cluster {
			return s, nil
		}
	}
	return nil, fmt.Errorf("no API server serves cluster %s", cluster)
}
