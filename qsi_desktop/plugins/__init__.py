"""The plugin system: hook specifications, typed registrations and the plugin manager."""

from qsi_desktop.plugins.markers import PLUGIN_API_VERSION, hookimpl, hookspec

__all__ = ["PLUGIN_API_VERSION", "hookimpl", "hookspec"]
