#!/usr/bin/env bash
# Create .venv (if missing) and install ganzoo with its dependencies; idempotent.
# Extra pip arguments (e.g. torch==2.13.0) are installed alongside.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]" "$@"
