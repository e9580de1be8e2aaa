#!/usr/bin/env bash
# Sets up the environment and starts QSI Desktop. The first start builds a demo workspace in the
# user's data folder (SQLite, no server needed). Extra arguments go to the app, e.g. a workspace path.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-venv.sh
exec .venv/bin/qsi-desktop "$@"
