#!/usr/bin/env bash
# Builds the tools of the real-Kubernetes tier from Go modules, at pinned
# versions, into a cache outside the repository (one folder per tool and
# version), so that a second run builds nothing:
#   etcd, kube-apiserver, kube-controller-manager  (the API server and what deletes need)
#   pulumi                                          (the CLI the Automation API drives)
#   pulumi-resource-kubernetes                      (the provider plugin)
#   pulumi-language-yaml                            (the YAML language host, for
#                                                    the plugin package's YAML example;
#                                                    beside the CLI, as it is bundled)
# Prints the cache folder. Nothing binary is written into the repository.
set -euo pipefail

CACHE="${EKS_MA_TOOLS_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/eks-multi-account-tools}"
K8S_VERSION=v1.37.2
ETCD_VERSION=v3.7.3
PULUMI_VERSION=v3.274.1
# The provider module is served only as a pseudo-version; its go.mod points
# its SDK at ../sdk, so the wrapper pins the SDK that matches its pkg/v3.
K8S_PROVIDER_MODULE=v4.0.0-20260115033456-f47bc2d6f199
K8S_PROVIDER_SDK=v4.24.0
K8S_PROVIDER_LABEL=4.25.0
# The YAML language host; its own module pins the Pulumi SDK it speaks.
YAML_VERSION=v1.25.0

export GOFLAGS=-mod=mod GOTOOLCHAIN=local
log() { echo "e2e-tools: $*" >&2; }

# build_kubernetes builds kube-apiserver and kube-controller-manager.
build_kubernetes() {
  local out="$CACHE/kubernetes-$K8S_VERSION"
  [ -x "$out/kube-apiserver" ] && [ -x "$out/kube-controller-manager" ] && return
  log "building kube-apiserver and kube-controller-manager $K8S_VERSION (a few minutes)"
  local src="$CACHE/src/kubernetes-$K8S_VERSION" minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  mkdir -p "$src" && cd "$src"
  printf 'module local/kubernetes-tools\n\ngo 1.26.0\n' > go.mod
  go mod download k8s.io/kubernetes@"$K8S_VERSION"
  local modfile; modfile="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$K8S_VERSION.mod"
  {
    printf 'module local/kubernetes-tools\n\ngo 1.26.0\n\ngodebug default=go1.26\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$K8S_VERSION"
    grep "=> ./staging" "$modfile" | awk -v v="v0.${K8S_VERSION#v1.}" '{print "\t"$1" => "$1" "v}'
    printf ')\n'
  } > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n)\n' > tools.go
  go mod tidy
  local v="k8s.io/component-base/version" c="k8s.io/client-go/pkg/version"
  local ldflags="-X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean -X $c.gitVersion=$K8S_VERSION -X $c.gitMajor=1 -X $c.gitMinor=$minor"
  mkdir -p "$out.tmp"
  go build -ldflags "$ldflags" -o "$out.tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  go build -ldflags "$ldflags" -o "$out.tmp/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager
  rm -rf "$out" && mv "$out.tmp" "$out"
}

# build_etcd builds etcd; its go.mod replaces its siblings with ../, so a
# wrapper requires each of them at the same version.
build_etcd() {
  local out="$CACHE/etcd-$ETCD_VERSION"
  [ -x "$out/etcd" ] && return
  log "building etcd $ETCD_VERSION"
  local src="$CACHE/src/etcd-$ETCD_VERSION"
  mkdir -p "$src" && cd "$src"
  printf 'module local/etcd\n\ngo 1.26.0\n\nrequire (\n' > go.mod
  for m in server api client/pkg client pkg; do printf '\tgo.etcd.io/etcd/%s/v3 %s\n' "$m" "$ETCD_VERSION" >> go.mod; done
  printf ')\n' >> go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go
  go mod tidy
  mkdir -p "$out.tmp"
  go build -o "$out.tmp/etcd" go.etcd.io/etcd/server/v3
  rm -rf "$out" && mv "$out.tmp" "$out"
}

# build_pulumi builds the Pulumi CLI into <root>/bin, where the Automation
# API looks for it.
build_pulumi() {
  local out="$CACHE/pulumi-$PULUMI_VERSION"
  [ -x "$out/bin/pulumi" ] && return
  log "building the Pulumi CLI $PULUMI_VERSION (a few minutes)"
  local src="$CACHE/src/pulumi-$PULUMI_VERSION"
  mkdir -p "$src" && cd "$src"
  cat > go.mod <<MOD
module local/pulumi-cli

go 1.26.6

require (
	github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' > tools.go
  go mod tidy
  mkdir -p "$out.tmp/bin"
  go build -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    -o "$out.tmp/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  rm -rf "$out" && mv "$out.tmp" "$out"
}

# build_k8s_provider builds pulumi-resource-kubernetes. The module zip lacks
# the schema files its main embeds, so the wrapper generates them from the
# shipped schema.json and terraform-mapping.json and serves the provider
# the way upstream's main does.
build_k8s_provider() {
  local out="$CACHE/pulumi-kubernetes-$K8S_PROVIDER_MODULE"
  [ -x "$out/pulumi-resource-kubernetes" ] && return
  log "building the pulumi-kubernetes provider (several minutes)"
  local src="$CACHE/src/pulumi-kubernetes-$K8S_PROVIDER_MODULE"
  mkdir -p "$src/gen" && cd "$src"
  cat > go.mod <<MOD
module local/pulumi-kubernetes

go 1.26.6

require (
	github.com/pulumi/pulumi-kubernetes/provider/v4 $K8S_PROVIDER_MODULE
	github.com/pulumi/pulumi-kubernetes/sdk/v4 $K8S_PROVIDER_SDK
)
MOD
  cat > main.go <<'GO'
// Command pulumi-resource-kubernetes serves the pulumi-kubernetes provider
// with the schema files gen/ writes beside it.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var mapping []byte

func main() { provider.Serve("kubernetes", version.Version, schema, mapping) }
GO
  cat > gen/main.go <<'GO'
// Command gen writes the provider's schema with its version set, and its
// terraform mapping, as the provider's main embeds them.
package main

import (
	"encoding/json"
	"log"
	"os"
)

func main() {
	dir, version := os.Args[1], os.Args[2]
	raw, err := os.ReadFile(dir + "/schema.json")
	if err != nil {
		log.Fatal(err)
	}
	var schema map[string]json.RawMessage
	if err := json.Unmarshal(raw, &schema); err != nil {
		log.Fatal(err)
	}
	schema["version"], _ = json.Marshal(version)
	out, err := json.Marshal(schema)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("schema-embed.json", out, 0o644); err != nil {
		log.Fatal(err)
	}
	mapping, err := os.ReadFile(dir + "/terraform-mapping.json")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("terraform-mapping-embed.json", mapping, 0o644); err != nil {
		log.Fatal(err)
	}
}
GO
  go mod tidy
  local dir; dir="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)"
  go run ./gen "$dir/cmd/pulumi-resource-kubernetes" "$K8S_PROVIDER_LABEL"
  mkdir -p "$out.tmp"
  go build -ldflags "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_PROVIDER_LABEL" \
    -o "$out.tmp/pulumi-resource-kubernetes" .
  rm -rf "$out" && mv "$out.tmp" "$out"
}

# build_yaml builds pulumi-language-yaml, in a module of its own at the
# versions pulumi-yaml's go.mod asks for, and puts it beside the CLI: the
# CLI counts the YAML host among the plugins bundled with it, looks for it
# there, and refuses to install it as a plugin.
build_yaml() {
  local out="$CACHE/pulumi-yaml-$YAML_VERSION" bin="$CACHE/pulumi-$PULUMI_VERSION/bin"
  if [ -x "$out/pulumi-language-yaml" ]; then
    cmp -s "$out/pulumi-language-yaml" "$bin/pulumi-language-yaml" || cp "$out/pulumi-language-yaml" "$bin/pulumi-language-yaml"
    return
  fi
  log "building the YAML language host $YAML_VERSION"
  local src="$CACHE/src/pulumi-yaml-$YAML_VERSION"
  mkdir -p "$src" && cd "$src"
  printf 'module local/pulumi-yaml\n\ngo 1.26.6\n\nrequire github.com/pulumi/pulumi-yaml %s\n' "$YAML_VERSION" > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"\n' > tools.go
  go mod tidy
  mkdir -p "$out.tmp"
  go build -ldflags "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=${YAML_VERSION#v}" \
    -o "$out.tmp/pulumi-language-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
  rm -rf "$out" && mv "$out.tmp" "$out"
  cp "$out/pulumi-language-yaml" "$bin/pulumi-language-yaml"
}

mkdir -p "$CACHE"
# One at a time: the big builds starve each other on two cores.
build_etcd
build_kubernetes
build_pulumi
build_k8s_provider
build_yaml
echo "$CACHE"
