"""A team workspace in the window: where its database is and who you are shown; a save the role does not
allow is refused by the services, inline, in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PG_OWNER


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_modality_lead_sees_their_role_and_saves_only_their_statements(
    cli, make_window, tmp_path: Path, backend, monkeypatch
) -> None:
    path = tmp_path / "team"
    assert cli("init", path, "--service", "Team", "--modalities", "CT,MR").code == 0
    assert (
        cli("--actor", PG_OWNER, "user", "add", path, "carol", "--role", "modality-lead", "--modality", "CT").code == 0
    )
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    monkeypatch.setenv("PGUSER", "carol")
    window = make_window(path)
    label = window.workspace_label.text()
    assert "(database on " in label and "User: carol, modality lead for CT" in label
    form = window.view.form
    window.select_ref("XR-501")
    form.owner.setText("Carol")
    assert not form.save()
    assert form.message.kind == "error"
    assert "carol may not change XR-501: that needs the quality lead role" in form.message.text()
    window.select_ref("CT-901")
    form.owner.setText("Carol")
    assert form.save() and form.message.kind == "info"
