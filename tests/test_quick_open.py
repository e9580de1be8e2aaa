"""Opening a workspace that is already current skips Alembic (start-up time); the quick head agrees with it."""

from __future__ import annotations

import subprocess
import sys

from qsi_desktop.store import migrate


def test_the_quick_head_is_alembics_head() -> None:
    assert migrate.quick_head_revision() == migrate.head_revision()


def test_opening_a_current_workspace_does_not_import_alembic(make_workspace) -> None:
    ws = make_workspace()
    ws.close()
    code = (
        "import sys\nfrom qsi_desktop.store.workspace import Workspace\n"
        f"Workspace.open({str(ws.path)!r}).close()\nprint('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "False"
