#!/usr/bin/env bash
# Creates (or updates) the project's virtual environment in .venv with the app, the five
# built-in plugins, the example plugin of docs/PLUGINS.md and the development tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[gui,dev]" \
  -e plugins/ct -e plugins/ir -e plugins/mr -e plugins/nm -e plugins/us \
  -e examples/qsi-plugin-example
