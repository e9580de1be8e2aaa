#!/usr/bin/env bash
# Starts QSI Desktop. The first time (or after a pyproject file changed) it sets up .venv first; later
# starts go straight to the app. The first start builds a demo workspace in the user's data folder
# (SQLite, no server needed); later starts open the workspace shown last. Extra arguments go to the
# app, e.g. a workspace path.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-venv.sh --if-needed
exec .venv/bin/qsi-desktop "$@"
