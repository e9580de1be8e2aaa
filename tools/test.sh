#!/usr/bin/env bash
# Sets up the environment and runs everything CI runs: ruff, then the whole pytest suite
# (core, CLI, plugins, GUI offscreen).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-venv.sh
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
