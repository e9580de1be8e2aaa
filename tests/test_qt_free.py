"""Qt stays out of the core: a checked rule, not a convention.

Every module of ``qsi_desktop`` outside ``qsi_desktop.gui``, every module of the built-in plugins
(the core builds their checklist panels; a custom panel factory imports Qt inside itself) and the
launcher's path rules are imported in a fresh interpreter, which must not have loaded PySide6 afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys

PLUGIN_PACKAGES = ("qsi_plugin_ct", "qsi_plugin_ir", "qsi_plugin_mr", "qsi_plugin_nm", "qsi_plugin_us")
# Qt-free modules inside gui/: the launcher imports Qt inside main() only.
QT_FREE_GUI_MODULES = ("qsi_desktop.gui.launcher",)
# Not importable as modules: running them does something (the command line; Alembic's migration script).
NOT_MODULES = ("qsi_desktop.__main__", "qsi_desktop.store.migrations.env")

_IMPORT_ALL = """
import importlib, json, pkgutil, sys

packages, skipped, extra = json.loads(sys.argv[1])
names = []
for package_name in packages:
    package = importlib.import_module(package_name)
    names.append(package_name)
    for info in pkgutil.walk_packages(package.__path__, package_name + "."):
        if not info.name.startswith(tuple(skipped)):
            names.append(info.name)
first_qt = None
for name in names + extra:
    importlib.import_module(name)
    if first_qt is None and "PySide6" in sys.modules:
        first_qt = name
print(json.dumps({"imported": names + extra, "first_qt": first_qt}))
"""


def test_the_core_and_the_plugins_import_without_qt() -> None:
    skipped = ["qsi_desktop.gui.", *NOT_MODULES]
    arguments = json.dumps([["qsi_desktop", *PLUGIN_PACKAGES], skipped, list(QT_FREE_GUI_MODULES)])
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, arguments], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["first_qt"] is None, f"importing {result['first_qt']} loaded PySide6"
    imported = set(result["imported"])
    # The walk really covered the core, the command line, the launcher and each plugin's modules.
    assert {"qsi_desktop.cli", "qsi_desktop.services.records", "qsi_desktop.store.workspace"} <= imported
    assert {"qsi_desktop.gui.launcher", "qsi_desktop.gui"} <= imported
    assert not {name for name in imported if name.startswith("qsi_desktop.gui.")} - set(QT_FREE_GUI_MODULES)
    for package in PLUGIN_PACKAGES:
        assert {f"{package}.plugin", f"{package}.checklists", f"{package}.report"} <= imported
