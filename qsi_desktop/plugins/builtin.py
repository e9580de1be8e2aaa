"""Literal list of the plugins that ship with QSI Desktop.

Entry points are the normal way plugins are found. A frozen (PyInstaller) build carries no
distribution metadata, so the manager falls back to importing these modules by name.
"""

CORE_PLUGINS = ("qsi_desktop.plugins.core_standards",)

BUILTIN_PLUGINS = (
    "qsi_plugin_ct.plugin",
    "qsi_plugin_ir.plugin",
    "qsi_plugin_mr.plugin",
    "qsi_plugin_nm.plugin",
    "qsi_plugin_us.plugin",
)
