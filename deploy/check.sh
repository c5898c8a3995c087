#!/usr/bin/env bash
# Lints the deployment files without a container engine or a cluster:
#   - yamllint on every YAML file here and on compose.yaml;
#   - kubernetes-validate (schemas ship inside the PyPI package, no network at validation time) in strict mode on the
#     complete manifests; the kustomize patch is partial and gets yamllint only;
#   - check-jsonschema with its bundled Compose specification on compose.yaml.
# The tools install from PyPI into a cached virtualenv the first time. The image build itself is not tested here.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${DEPLOY_CHECK_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/task-orchestrator/deploy-check-venv}"
k8s_version="${KUBERNETES_VERSION:-1.33.0}"

if [[ ! -x "$venv/bin/kubernetes-validate" || ! -x "$venv/bin/yamllint" || ! -x "$venv/bin/check-jsonschema" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        yamllint==1.38.0 kubernetes-validate==1.37.0 check-jsonschema==0.39.0
fi

cd "$root"
echo "yamllint"
"$venv/bin/yamllint" --strict -d '{extends: default, rules: {line-length: {max: 120}, document-start: disable, truthy: {check-keys: false}}}' \
    deploy/kubernetes compose.yaml

echo "kubernetes-validate (Kubernetes $k8s_version, strict)"
"$venv/bin/kubernetes-validate" --strict --kubernetes-version "$k8s_version" \
    deploy/kubernetes/deployment.yaml deploy/kubernetes/service.yaml deploy/kubernetes/secret.yaml

echo "compose specification"
"$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec compose.yaml

echo "deployment files OK"
