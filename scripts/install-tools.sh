#!/usr/bin/env bash
# Installs the deployment tooling used by scripts/chart-checks.sh and
# tests/unit/test_chart.py, from package registries only (no binary downloads):
#   - helm, built from source with the Go toolchain into a cache dir outside git
#     (PHI_SCRUB_TOOLS_BIN, default ${XDG_CACHE_HOME:-$HOME/.cache}/phi-scrub/bin)
#   - kubernetes-validate (PyPI) into the project's .venv, for offline
#     Kubernetes schema validation of rendered manifests.
# Idempotent: tools already present at the pinned version are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_VERSION="${HELM_VERSION:-v3.16.4}"
KUBERNETES_VALIDATE_VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
TOOLS_BIN="${PHI_SCRUB_TOOLS_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/phi-scrub/bin}"
VENV_BIN="${VENV_BIN:-.venv/bin}"

mkdir -p "$TOOLS_BIN"

if [[ -x "$TOOLS_BIN/helm" ]] && "$TOOLS_BIN/helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"; then
  echo "install-tools: helm $HELM_VERSION already in $TOOLS_BIN"
else
  command -v go >/dev/null || { echo "install-tools: go is required to build helm" >&2; exit 1; }
  echo "install-tools: building helm $HELM_VERSION into $TOOLS_BIN (go install, takes a few minutes)"
  start=$SECONDS
  # Stamp the version the way helm's release build does, so `helm version` is right.
  GOBIN="$TOOLS_BIN" CGO_ENABLED=0 go install \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  echo "install-tools: helm built in $((SECONDS - start))s: $("$TOOLS_BIN/helm" version --short)"
fi

if [[ ! -x "$VENV_BIN/pip" ]]; then
  echo "install-tools: $VENV_BIN/pip not found; run 'make venv' first" >&2
  exit 1
fi
if "$VENV_BIN/pip" show kubernetes-validate 2>/dev/null | grep -qx "Version: $KUBERNETES_VALIDATE_VERSION"; then
  echo "install-tools: kubernetes-validate $KUBERNETES_VALIDATE_VERSION already in $VENV_BIN"
else
  "$VENV_BIN/pip" install -q "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
fi
