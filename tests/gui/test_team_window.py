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


def test_what_the_role_may_not_change_is_shown_read_only_saying_why(
    cli, make_window, tmp_path: Path, monkeypatch
) -> None:
    """Users on a SQLite workspace: a reader sees every statement read-only; a CT lead sees XR ones
    read-only and CT ones editable. The services refuse such saves anyway; the window says so first."""
    path = tmp_path / "ws"
    for variable in ("LOGNAME", "USER"):
        monkeypatch.setenv(variable, "lead")
    monkeypatch.delenv("QSI_ACTOR", raising=False)
    assert cli("init", path, "--service", "Team", "--modalities", "CT").code == 0
    for args in (("lead", "--role", "quality-lead"), ("carol", "--role", "modality-lead", "--modality", "CT")):
        assert cli("user", "add", path, *args).code == 0
    assert cli("user", "add", path, "rita", "--role", "reader").code == 0

    monkeypatch.setenv("USER", "rita")
    monkeypatch.setenv("LOGNAME", "rita")
    reader = make_window(path)
    form = reader.view.form
    reader.select_ref("CT-901")
    assert form.read_only_note.isVisible()
    assert "rita is a reader" in form.read_only_note.text()
    assert form.owner.isReadOnly() and form.narrative.isReadOnly() and not form.status.isEnabled()
    assert not form.save_button.isEnabled() and not reader.view.evidence.add_file_button.isEnabled()
    reader.close()

    monkeypatch.setenv("USER", "carol")
    monkeypatch.setenv("LOGNAME", "carol")
    lead = make_window(path)
    form = lead.view.form
    lead.select_ref("XR-501")
    assert "carol may not change XR-501: that needs the quality lead role" in form.read_only_note.text()
    assert form.narrative.isReadOnly() and not lead.view.actions.add_button.isEnabled()
    lead.select_ref("CT-901")
    assert not form.read_only_note.isVisible() and not form.narrative.isReadOnly()
    assert form.save_button.isEnabled() and lead.view.evidence.add_file_button.isEnabled()
    form.owner.setText("Carol")
    assert form.save()
