#!/usr/bin/env bash
# scripts/test-deps.sh: what `npm test` needs beyond `npm ci`, installed from Debian apt only, idempotent.
#   * python3-onnx: the ONNX checker / reference loader used as an oracle by the writer tests;
#   * python3-torch + python3-torchvision: export the reference architectures (resnet, vit, densenet, a
#     GPT-2 style decoder, ...) that the analysis is checked against (scripts/export-reference-models.py);
#   * python3-h5py: writes the hostile HDF5 files h5wasm cannot (external dataset storage, virtual datasets)
#     for the security tests (test/unit/security/);
#   * libonnx-testdata: ONNX's backend conformance models with reference outputs
#     (/usr/share/libonnx-testdata/data), checked by test/unit/analysis/conformance.test.ts;
#   * chromium, code-server & co. for the webview, integration and UI suites come from scripts/e2e/setup.sh.
# The reference models go to .cache/reference-models (gitignored, ~2 GB, ~2 min to export on 2 cores);
# they are re-exported when the export script changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REF="${MODELLENS_REF_MODELS:-$ROOT/.cache/reference-models}"
T0=$(date +%s)
log() { printf '[test-deps +%ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }

missing=()
for p in python3-onnx python3-torch python3-torchvision libonnx-testdata python3-h5py; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "[test-deps] ERROR: missing Debian packages: ${missing[*]} (run: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p "$ROOT/.cache"
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >"$ROOT/.cache/apt.log" 2>&1; then
    apt-get update >/dev/null 2>&1 || true
    apt-get install -y --no-install-recommends "${missing[@]}" >"$ROOT/.cache/apt.log" 2>&1 \
      || { tail -n 20 "$ROOT/.cache/apt.log" >&2; echo "[test-deps] ERROR: apt-get install failed" >&2; exit 1; }
  fi
fi
[ -f /usr/share/libonnx-testdata/data/node/test_abs/model.onnx ] || { echo "[test-deps] ERROR: libonnx-testdata is installed but /usr/share/libonnx-testdata/data is incomplete" >&2; exit 1; }
/usr/bin/python3 -c 'import onnx, torch, torchvision, h5py' || { echo "[test-deps] ERROR: /usr/bin/python3 cannot import onnx, torch, torchvision, h5py" >&2; exit 1; }

stamp="$(sha256sum "$ROOT/scripts/export-reference-models.py" | cut -c1-16)"
if [ -f "$REF/reference.json" ] && [ "$(cat "$REF/.stamp" 2>/dev/null)" = "$stamp" ]; then
  log "reference models up to date in $REF"
else
  log "exporting reference models to $REF (torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'))"
  rm -rf "$REF"
  mkdir -p "$REF"
  if ! /usr/bin/python3 "$ROOT/scripts/export-reference-models.py" "$REF" >"$REF/export.log" 2>&1; then
    tail -n 30 "$REF/export.log" >&2
    echo "[test-deps] ERROR: reference model export failed (log: $REF/export.log)" >&2
    exit 1
  fi
  echo "$stamp" >"$REF/.stamp"
  log "exported $(ls "$REF"/*.onnx | wc -l) reference models"
fi
