#!/usr/bin/env bash
# Run Civility's whole test suite from a clean checkout: installs what it needs
# (a venv with every extra, Debian's PostgreSQL and Chromium when missing), then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then
  need=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} from Debian" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# torch==2.13.0 is the local CPU build; a bare "torch" would pull a multi-GB CUDA build.
.venv/bin/python -m pip install -q -e '.[train,server,batch,dev]' 2>&1 | grep -v "^WARNING: Location" || true

.venv/bin/ruff check .
exec .venv/bin/python -m pytest -q "$@"
