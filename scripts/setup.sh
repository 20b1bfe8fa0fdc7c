#!/usr/bin/env bash
# Create .venv (if missing) and install ganzoo with its dependencies, the test and demo extras; idempotent.
# Extra pip arguments are installed alongside (torch: scripts/test.sh installs its CPU build).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test,demo]" "$@"
