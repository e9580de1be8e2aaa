"""File > Export submission pack, driven on the real window offscreen: the dialog's choices, the
pre-export check, both workers, cancel and errors. Dialogs' exec() is replaced to fill in and answer."""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton

from qsi_desktop.export import service
from qsi_desktop.gui import export_dialog
from qsi_desktop.gui.export_dialog import ExportDialog, PackExport, PreExportCheckDialog
from qsi_desktop.gui.main_window import MainWindow

pytestmark = pytest.mark.gui

Fill = Callable[[ExportDialog], bool | None]  # False: press Cancel


@pytest.fixture(autouse=True)
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The dialog's settings in a file of the test's own: the user's real settings are never touched."""
    path = tmp_path / "settings.ini"
    monkeypatch.setattr(export_dialog, "app_settings", lambda: QSettings(str(path), QSettings.Format.IniFormat))
    return path


def _fill_export_dialog(monkeypatch: pytest.MonkeyPatch, fill: Fill) -> list[ExportDialog]:
    made: list[ExportDialog] = []

    class FilledIn(ExportDialog):
        def exec(self) -> int:
            made.append(self)
            if fill(self) is False:
                return self.DialogCode.Rejected
            self.accept()
            return self.result()

    monkeypatch.setattr(export_dialog, "ExportDialog", FilledIn)  # main_window imports it when used
    return made


def _answer_check(monkeypatch: pytest.MonkeyPatch, answer: Callable[[PreExportCheckDialog], None]) -> list[dict]:
    """Replace the check dialog's exec: ``answer`` presses a button; what it listed is returned."""
    shown: list[dict] = []

    class Answered(PreExportCheckDialog):
        def exec(self) -> int:
            shown.append(self.findings_shown())
            answer(self)
            return self.result()

    monkeypatch.setattr(export_dialog, "PreExportCheckDialog", Answered)
    return shown


def _run(window: MainWindow, qtbot) -> PackExport:
    export = window.export_pack()
    assert export is not None
    qtbot.waitUntil(lambda: bool(export.outcome), timeout=20_000)
    return export


def _template(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("Letterhead body, replaced by the pack")
    document.save(str(path))
    return path


def test_export_writes_the_pack_and_the_bundle(
    window: MainWindow, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out" / "Riverside pack.docx"
    template = _template(tmp_path / "trust.docx")

    def fill(dialog: ExportDialog) -> None:
        assert dialog.author.text() == "test-user" and dialog.version.text() == "1.0"
        assert dialog.standard_text.isChecked() and dialog.chosen_sections() == ()
        dialog.pack_path.setText(str(out))
        dialog.bundle.setChecked(True)
        dialog.template.setText(str(template))
        dialog.status.setCurrentText("Final")
        dialog.approver.setText("Clinical Director")

    made = _fill_export_dialog(monkeypatch, fill)
    _answer_check(monkeypatch, lambda dialog: dialog.export_button.click())
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toLocalFile())))

    export = _run(window, qtbot)
    assert export.outcome == "written"
    request = export.request
    assert request.bundle == out.with_suffix(".zip")  # beside the pack, the same name
    assert request.options.control.status == "Final" and request.options.control.approver == "Clinical Director"
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "Riverside Imaging Service" in text and "Letterhead body" not in text
    with zipfile.ZipFile(out.with_suffix(".zip")) as bundle:
        assert bundle.testzip() is None and any(name.endswith(".docx") for name in bundle.namelist())
    assert str(out) in window.statusBar().currentMessage()

    box = window.last_dialog
    assert isinstance(box, QMessageBox) and str(out) in box.text() and str(out.with_suffix(".zip")) in box.text()
    folder = next(b for b in box.buttons() if b.text() == "&Open folder")
    folder.click()
    assert opened == [str(out.parent)]
    box.close()
    assert made[0].objectName() == "export-dialog"


def test_the_check_lists_findings_by_kind_and_goes_to_a_statement(
    window: MainWindow, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "pack.docx"
    _fill_export_dialog(monkeypatch, lambda dialog: dialog.pack_path.setText(str(out)))

    def go_to_xr201(dialog: PreExportCheckDialog) -> None:
        assert not dialog.go_button.isEnabled()  # nothing chosen yet
        assert dialog.select_ref("XR-201") and dialog.go_button.isEnabled()
        dialog.tree.itemDoubleClicked.emit(dialog.tree.currentItem(), 0)

    shown = _answer_check(monkeypatch, go_to_xr201)
    window.select_ref("XR-101")
    export = _run(window, qtbot)

    groups = shown[0]
    assert "XR-201 is met but no evidence is linked" in groups["Met, but no evidence is linked (6)"]
    assert any(heading.startswith("Not started (") for heading in groups)
    assert next(iter(groups)).startswith("Met, but no evidence")  # in the order of the check's kinds
    assert export.outcome == "went-to" and window.current_ref() == "XR-201"
    assert not out.exists()


def test_export_anyway_from_a_go_to_button_press_and_cancel_of_the_check(
    window: MainWindow, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "pack.docx"
    _fill_export_dialog(monkeypatch, lambda dialog: dialog.pack_path.setText(str(out)))
    _answer_check(monkeypatch, lambda dialog: dialog.reject())
    assert _run(window, qtbot).outcome == "stopped" and not out.exists()

    def go_button(dialog: PreExportCheckDialog) -> None:
        dialog.select_ref("XR-403")
        dialog.go_button.click()

    _answer_check(monkeypatch, go_button)
    assert _run(window, qtbot).outcome == "went-to" and window.current_ref() == "XR-403"


def test_no_findings_skip_the_check(window: MainWindow, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "pack.docx"
    prepare = service.prepare
    monkeypatch.setattr(service, "prepare", lambda *a, **k: (prepare(*a, **k)[0], []))
    _fill_export_dialog(monkeypatch, lambda dialog: dialog.pack_path.setText(str(out)))
    shown = _answer_check(monkeypatch, lambda dialog: pytest.fail("the check dialog was shown"))
    export = _run(window, qtbot)
    window.last_dialog.close()
    assert export.outcome == "written" and out.is_file() and not shown


def test_sections_and_document_control_reach_the_pack(
    window: MainWindow, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "pack.docx"

    def fill(dialog: ExportDialog) -> None:
        dialog.pack_path.setText(str(out))
        dialog.set_sections(["XR-5"])
        dialog.standard_text.setChecked(False)
        dialog.version.setText("2.3")

    _fill_export_dialog(monkeypatch, fill)
    _answer_check(monkeypatch, lambda dialog: dialog.accept())
    export = _run(window, qtbot)
    window.last_dialog.close()
    assert export.request.options.sections == ("XR-5",) and not export.request.options.standard_text
    xr5 = next(s for s in window.app.catalogue.sections if s.ref == "XR-5")
    assert export.result is not None and export.result.pack.statements == len(xr5.statements)
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert (
        "XR-501" in text
        and "XR-101" not in text
        and "v2.3" in "\n".join(p.text for p in docx.Document(str(out)).sections[0].footer.paragraphs)
    )


def test_cancel_while_preparing_leaves_no_file(
    window: MainWindow, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "pack.docx"
    prepare = service.prepare

    def slow(ws, app, options, *, progress, cancel, **kwargs):  # a long evidence scan
        for n in range(10_000):
            progress(n, 10_000, "checking")
            time.sleep(0.001)
        return prepare(ws, app, options, progress=progress, cancel=cancel, **kwargs)

    monkeypatch.setattr(service, "prepare", slow)
    _fill_export_dialog(monkeypatch, lambda dialog: dialog.pack_path.setText(str(out)))
    _answer_check(monkeypatch, lambda dialog: dialog.accept())
    export = window.export_pack()
    dialog = export.worker.progress_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    qtbot.mouseClick(dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(export.outcome), timeout=10_000)
    assert export.outcome == "cancelled" and not out.exists()
    assert not list(tmp_path.glob("*.docx")) and not list(tmp_path.glob(".qsi-pack-*"))
    assert "cancelled" in window.statusBar().currentMessage()


def test_a_bad_template_shows_an_error_and_writes_nothing(
    window: MainWindow, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "pack.docx"
    bad = tmp_path / "letterhead.docx"
    bad.write_text("not a Word document", encoding="utf-8")
    errors: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda parent, title, text: errors.append(text)))

    def fill(dialog: ExportDialog) -> None:
        dialog.pack_path.setText(str(out))
        dialog.bundle.setChecked(True)
        dialog.template.setText(str(bad))

    _fill_export_dialog(monkeypatch, fill)
    _answer_check(monkeypatch, lambda dialog: dialog.accept())
    export = _run(window, qtbot)
    assert export.outcome == "failed"
    assert errors and "letterhead.docx: not a Word document or template" in errors[0]
    assert "Unexpected" not in errors[0]  # a QsiError is shown as its message
    assert not out.exists() and not out.with_suffix(".zip").exists()


def test_the_dialog_checks_its_fields_before_export(window: MainWindow, tmp_path: Path) -> None:
    dialog = ExportDialog([], pack_path=tmp_path / "pack.docx", author="me", parent=window)
    dialog.template.setText(str(tmp_path / "missing.dotx"))
    dialog.accept()
    assert dialog.result() != ExportDialog.DialogCode.Accepted
    assert not dialog.message.isHidden() and "missing.dotx: no such Word template" in dialog.message.text()
    dialog.template.clear()
    dialog.pack_path.setText(str(tmp_path / "pack.pdf"))
    dialog.accept()
    assert "ending in .docx" in dialog.message.text()
    dialog.pack_path.setText(str(tmp_path / "elsewhere" / "pack.docx"))
    assert dialog.bundle_path.text() == str(tmp_path / "elsewhere" / "pack.zip")  # follows the pack
    assert not dialog.bundle_path.isEnabled()
    dialog.bundle.setChecked(True)
    assert dialog.bundle_path.isEnabled()
    dialog.close()


def test_the_template_is_remembered_between_dialogs(window: MainWindow, tmp_path: Path, settings_file: Path) -> None:
    template = _template(tmp_path / "trust.dotx")
    first = ExportDialog([], pack_path=tmp_path / "a.docx", author="me", parent=window)
    assert first.template.text() == ""
    first.template.setText(str(template))
    first.accept()
    assert first.result() == ExportDialog.DialogCode.Accepted
    second = ExportDialog([], pack_path=tmp_path / "b.docx", author="me", parent=window)
    assert second.template.text() == str(template)
    assert settings_file.is_file()  # the test's own scope, not the user's settings
    second.close()


def test_unsaved_changes_are_settled_first(window: MainWindow, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _fill_export_dialog(monkeypatch, lambda dialog: False)
    window.select_ref("XR-601")
    window.view.form.owner.setText("Head of Medical Physics")
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Cancel))
    assert window.export_pack() is None and not made  # stayed with the edit
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Save))
    assert window.export_pack() is None and len(made) == 1  # saved, then the dialog (cancelled here)
    assert not window.view.has_unsaved_changes()


def test_menu_shortcut_defaults_and_accessibility(window: MainWindow, tmp_path: Path) -> None:
    action = window.findChild(type(window.export_action), "export-pack")
    assert action is window.export_action and action.shortcut() == QKeySequence("Ctrl+E")
    assert action.text() == "&Export submission pack…"
    dialog = ExportDialog(
        export_dialog.pack_sections(window.workspace, window.app),
        pack_path=export_dialog.default_pack_path(window.workspace.path, "Riverside: Imaging"),
        author="test-user",
        parent=window,
    )
    assert Path(dialog.pack_path.text()).parent == window.workspace.path.parent
    assert Path(dialog.pack_path.text()).name.startswith("Riverside_ Imaging QSI pack ")  # safe on Windows
    assert dialog.sections.count() == 13  # XR-1..XR-8 and the five modalities' sections
    fields = (
        dialog.pack_path,
        dialog.bundle,
        dialog.bundle_path,
        dialog.template,
        dialog.sections,
        dialog.standard_text,
        dialog.version,
        dialog.status,
        dialog.author,
        dialog.approver,
    )
    for field in fields:
        assert field.accessibleName(), field
    buddies = {label.buddy(): label.text() for label in dialog.findChildren(QLabel) if label.buddy() is not None}
    mnemonics = [buddies[f] if f in buddies else f.text() for f in fields]
    assert all("&" in text for text in mnemonics), mnemonics
    letters = [text[text.index("&") + 1].lower() for text in mnemonics]
    assert len(set(letters)) == len(letters), mnemonics
    dialog.close()
