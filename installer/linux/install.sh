#!/bin/sh
# Adds QSI Desktop to this user's applications menu (no root needed): a desktop entry pointing at the
# qsi-desktop beside this script, and its icon. Run it again after moving the folder; --remove undoes it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
entry="$data/applications/qsi-desktop.desktop"
icon="$data/icons/hicolor/256x256/apps/qsi-desktop.png"
if [ "${1:-}" = "--remove" ]; then
  rm -f "$entry" "$icon"
  echo "removed $entry and $icon (the folder $here and your workspaces are untouched)"
  exit 0
fi
mkdir -p "$data/applications" "$data/icons/hicolor/256x256/apps"
cp "$here/qsi-desktop.png" "$icon"
sed "s|^Exec=.*|Exec=\"$here/qsi-desktop\" %f|" "$here/qsi-desktop.desktop" > "$entry"
echo "added $entry (QSI Desktop in the applications menu)"
