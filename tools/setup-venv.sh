#!/usr/bin/env bash
# Creates (or updates) the project's virtual environment in .venv with the app, the five
# built-in plugins, the example plugin of docs/PLUGINS.md, the development tools and PyInstaller (the
# freeze extra: tests/test_installer.py builds the bundle). Safe to run again.
# With --if-needed it does nothing when .venv was set up from the same pyproject files (a stamp in
# .venv holds their hash): the packages are installed editable, so code changes need no reinstall.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
STAMP=.venv/.qsi-setup-stamp

metadata_hash() {
  cat pyproject.toml plugins/*/pyproject.toml examples/qsi-plugin-example/pyproject.toml tools/setup-venv.sh \
    | sha256sum | cut -d' ' -f1
}

if [ "${1:-}" = "--if-needed" ] && [ -x .venv/bin/qsi-desktop ] && [ -f "$STAMP" ] \
  && [ "$(cat "$STAMP")" = "$(metadata_hash)" ]; then
  exit 0
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[gui,dev,freeze]" \
  -e plugins/ct -e plugins/ir -e plugins/mr -e plugins/nm -e plugins/us \
  -e examples/qsi-plugin-example
metadata_hash > "$STAMP"
