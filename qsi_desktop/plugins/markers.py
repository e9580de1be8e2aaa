"""pluggy markers shared by the core and every plugin (kept import-light: no Qt, no database)."""

import pluggy

PROJECT_NAME = "qsi_desktop"
ENTRY_POINT_GROUP = "qsi_desktop.plugins"

# The plugin API version. Adding a keyword argument to a hook or a field with a default to a
# registration dataclass keeps it; anything else bumps it. A plugin states the version it was
# written for in ``QSI_PLUGIN_API_VERSION``; a plugin asking for a newer one is refused, and one
# written for a version older than MINIMUM_PLUGIN_API_VERSION is refused too. docs/PLUGINS.md
# has the changelog.
PLUGIN_API_VERSION = 2
MINIMUM_PLUGIN_API_VERSION = 1

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
