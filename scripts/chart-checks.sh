#!/usr/bin/env bash
# Deployment checks, offline: the Helm chart (lint, render, Kubernetes schema
# validation for several Kubernetes versions, the required-key failure), the
# Dockerfile (hadolint) and the compose file (compose-spec schema).
# Tools come from scripts/install-tools.sh. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

CHART=charts/phi-scrub
VENV_BIN="${VENV_BIN:-.venv/bin}"
TOOLS_BIN="${PHI_SCRUB_TOOLS_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/phi-scrub/bin}"
# Kubernetes versions whose bundled OpenAPI schemas (kubernetes-validate) the
# rendered manifests must satisfy, strictly (unknown fields are errors).
KUBE_VERSIONS="${KUBE_VERSIONS:-1.29.0 1.33.0 1.37.0}"
# Custom resources: no schema offline; checked for shape and skipped by kubernetes-validate.
CRD_KINDS="ServiceMonitor ScaledObject TriggerAuthentication"

if [[ -x "$TOOLS_BIN/helm" ]]; then HELM="$TOOLS_BIN/helm"
elif command -v helm >/dev/null; then HELM="$(command -v helm)"
else echo "chart-checks: helm not found; run scripts/install-tools.sh" >&2; exit 1; fi
for tool in kubernetes-validate python; do
  [[ -x "$VENV_BIN/$tool" ]] || { echo "chart-checks: $VENV_BIN/$tool missing; run scripts/install-tools.sh" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

echo "== helm $("$HELM" version --short)"

# 1. Default values must refuse to render, naming the missing key secret.
if "$HELM" template phi-scrub "$CHART" >"$work/default.out" 2>&1; then
  fail "rendering with default values succeeded; it must require key.existingSecret"
elif grep -q "key.existingSecret is required" "$work/default.out"; then
  ok "default values fail to render: $(grep -o 'key.existingSecret is required[^.]*' "$work/default.out" | head -1)"
else
  fail "default values failed for another reason:"; cat "$work/default.out" >&2
fi

# 2. Each example values file: lint --strict, render, validate.
for values in "$CHART"/ci/*-values.yaml; do
  name="$(basename "$values" -values.yaml)"
  if "$HELM" lint --strict "$CHART" -f "$values" >"$work/$name.lint" 2>&1; then
    ok "helm lint --strict -f $values"
  else
    fail "helm lint --strict -f $values"; cat "$work/$name.lint" >&2; continue
  fi
  if ! "$HELM" template phi-scrub "$CHART" --namespace phi -f "$values" >"$work/$name.yaml" 2>"$work/$name.err"; then
    fail "helm template -f $values"; cat "$work/$name.err" >&2; continue
  fi
  # Split: built-in kinds for kubernetes-validate, custom resources checked here.
  if ! "$VENV_BIN/python" - "$work/$name.yaml" "$work/$name.core.yaml" "$CRD_KINDS" <<'PY'
import sys
import yaml
source, core_path, crd_kinds = sys.argv[1], sys.argv[2], set(sys.argv[3].split())
docs = [d for d in yaml.safe_load_all(open(source, encoding="utf-8")) if d]
core, problems = [], []
for doc in docs:
    kind, meta = doc.get("kind"), doc.get("metadata") or {}
    if not doc.get("apiVersion") or not kind or not meta.get("name"):
        problems.append(f"document without apiVersion/kind/metadata.name: {doc!r:.120}")
    elif kind in crd_kinds:
        expected = "monitoring.coreos.com/v1" if kind == "ServiceMonitor" else "keda.sh/v1alpha1"
        if doc["apiVersion"] != expected or not isinstance(doc.get("spec"), dict):
            problems.append(f"{kind}/{meta['name']}: expected apiVersion {expected} and a spec")
        else:
            print(f"   custom resource {kind}/{meta['name']} ({doc['apiVersion']}): shape checked, no schema offline")
    else:
        core.append(doc)
yaml.safe_dump_all(core, open(core_path, "w", encoding="utf-8"), sort_keys=False)
print(f"   {len(docs)} documents: " + ", ".join(sorted(d['kind'] for d in docs)))
for problem in problems:
    print("   " + problem, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
  then fail "manifest shape for $values"; continue; fi
  for kube in $KUBE_VERSIONS; do
    if "$VENV_BIN/kubernetes-validate" --strict --quiet -k "$kube" "$work/$name.core.yaml" >"$work/$name.kv" 2>&1 \
       && ! grep -q "WARN" "$work/$name.kv"; then
      ok "kubernetes-validate --strict -k $kube ($name)"
    else
      fail "kubernetes-validate --strict -k $kube ($name)"; cat "$work/$name.kv" >&2
    fi
  done
done

# 3. Dockerfile and compose file, when the linters are installed.
if [[ -x "$VENV_BIN/hadolint" ]]; then
  if "$VENV_BIN/hadolint" docker/Dockerfile; then ok "hadolint docker/Dockerfile"; else fail "hadolint docker/Dockerfile"; fi
else
  echo "skip: hadolint not installed (scripts/install-tools.sh installs it)"
fi
if [[ -x "$VENV_BIN/check-jsonschema" ]]; then
  if "$VENV_BIN/check-jsonschema" --builtin-schema vendor.compose-spec docker/compose.yaml; then
    ok "docker/compose.yaml against the compose-spec schema"
  else fail "docker/compose.yaml against the compose-spec schema"; fi
else
  echo "skip: check-jsonschema not installed (scripts/install-tools.sh installs it)"
fi

if ((failures)); then echo "chart-checks: $failures failure(s)" >&2; exit 1; fi
echo "chart-checks: all passed"
