"""File > Export submission pack: what to write, the pre-export check, and the two steps on workers.

The dialogs only collect choices and show findings; reading, checking and writing are the Qt-free
export service's (``export/service.py``), run on workers with a progress dialog and Cancel:

1. :class:`ExportDialog`: where to save the pack (and the evidence bundle), the Word template,
   sections, the standard's text and the pack's document control.
2. ``service.prepare`` reads the workspace and checks it (scanning evidence can take a while).
3. :class:`PreExportCheckDialog` lists the findings; "Go to statement" stops there.
4. ``service.export`` writes the pack and the bundle.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop.catalogue.model import Section
from qsi_desktop.export import service
from qsi_desktop.export.bundle import ExportCancelled
from qsi_desktop.export.check import KINDS, Finding
from qsi_desktop.export.names import safe_file_name
from qsi_desktop.export.pack_data import DocumentControl, PackData, PackOptions
from qsi_desktop.export.pack_data import pack_sections as service_pack_sections
from qsi_desktop.gui import workers
from qsi_desktop.gui.style import TEXT_MUTED
from qsi_desktop.gui.widgets import MessageLabel
from qsi_desktop.services.app import App
from qsi_desktop.services.applies import provided_modalities
from qsi_desktop.store.workspace import Workspace

if TYPE_CHECKING:
    from qsi_desktop.gui.main_window import MainWindow

SETTINGS_SCOPE = ("QSI Desktop", "QSI Desktop")  # QSettings organisation and application
TEMPLATE_KEY = "export/template"
TITLE = "Export submission pack"
DOCUMENT_STATUSES = ("Draft", "Final")


def app_settings() -> QSettings:
    """Where the dialog remembers the Word template (tests point this at a file of their own); the
    window's settings, so portable mode keeps it beside the executable too."""
    from qsi_desktop.gui.settings import app_settings as window_settings

    return window_settings()


def default_pack_path(workspace: Path, service_name: str, today: date | None = None) -> Path:
    """``<workspace parent>/<service> QSI pack <date>.docx``, a name Windows accepts."""
    day = (today or date.today()).isoformat()
    return workspace.parent / safe_file_name(f"{service_name} QSI pack {day}.docx")


def pack_sections(ws: Workspace, app: App) -> list[Section]:
    """The sections the service's pack can hold (the export service's rule)."""
    return service_pack_sections(app, {modality.code for modality in provided_modalities(ws, app)})


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    for number, widget in enumerate(widgets):
        row.addWidget(widget, 1 if number == 0 else 0)
    return row


def _add(form: QFormLayout, text: str, widget: QWidget, field: QWidget | QHBoxLayout, accessible: str) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    widget.setAccessibleName(accessible)
    form.addRow(label, field)
    return label


class ExportDialog(QDialog):
    """The choices for one export; :meth:`request` gives them to the export service."""

    def __init__(
        self,
        sections: Sequence[Section],
        *,
        pack_path: Path,
        author: str,
        parent: QWidget | None = None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("export-dialog")
        self.setWindowTitle(TITLE)
        self.setMinimumWidth(680)
        self._settings = settings if settings is not None else app_settings()
        layout = QVBoxLayout(self)
        intro = QLabel(
            "The submission pack is a Word document of the self-assessment: each statement's status, narrative, "
            "evidence and actions. The evidence bundle holds the evidence files, a folder per section."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        files = QGroupBox("Files")
        form = QFormLayout(files)
        self.pack_path = QLineEdit(str(pack_path))
        browse_pack = QPushButton("&Browse…")
        browse_pack.setAccessibleName("Browse for where to save the pack")
        browse_pack.clicked.connect(self._browse_pack)
        _add(form, "&Pack:", self.pack_path, _row(self.pack_path, browse_pack), "Save the pack as")
        self.bundle = QCheckBox("Also write the evidence b&undle (.zip)")
        self.bundle.setAccessibleName("Also write the evidence bundle")
        form.addRow("", self.bundle)
        self.bundle_path = QLineEdit(str(pack_path.with_suffix(".zip")))
        self.browse_bundle = QPushButton("B&rowse…")
        self.browse_bundle.setAccessibleName("Browse for where to save the evidence bundle")
        self.browse_bundle.clicked.connect(self._browse_bundle)
        _add(form, "Bund&le:", self.bundle_path, _row(self.bundle_path, self.browse_bundle), "Save the bundle as")
        self.template = QLineEdit(str(self._settings.value(TEMPLATE_KEY, "") or ""))
        self.template.setPlaceholderText("none: the built-in style (Arial, NHS blue headings)")
        self.template.setClearButtonEnabled(True)
        self.template.setToolTip("A .docx or .dotx whose styles, headers, footers and logo the pack uses")
        browse_template = QPushButton("Bro&wse…")
        browse_template.setAccessibleName("Browse for a Word template")
        browse_template.clicked.connect(self._browse_template)
        _add(form, "Word &template:", self.template, _row(self.template, browse_template), "Word template")
        layout.addWidget(files)

        content = QGroupBox("Content")
        content_layout = QVBoxLayout(content)
        label = QLabel("&Sections to include:")
        self.sections = QListWidget()
        self.sections.setAccessibleName("Sections to include")
        self.sections.setUniformItemSizes(True)
        rows = min(max(len(sections), 1), 6)  # the list scrolls past six sections
        self.sections.setFixedHeight(rows * self.sections.fontMetrics().height() * 14 // 10 + 8)
        label.setBuddy(self.sections)
        for section in sections:
            item = QListWidgetItem(section.label)
            item.setData(Qt.ItemDataRole.UserRole, section.ref)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.sections.addItem(item)
        content_layout.addWidget(label)
        content_layout.addWidget(self.sections)
        self.standard_text = QCheckBox("Include the standard's te&xt under each statement")
        self.standard_text.setAccessibleName("Include the standard's text")
        self.standard_text.setChecked(True)
        content_layout.addWidget(self.standard_text)

        control = QGroupBox("Document control")
        control.setToolTip("The table on the pack's cover")
        control_form = QFormLayout(control)
        self.version = QLineEdit("1.0")
        _add(control_form, "&Version:", self.version, self.version, "Document version")
        self.status = QComboBox()
        self.status.addItems(DOCUMENT_STATUSES)
        _add(control_form, "St&atus:", self.status, self.status, "Document status")
        self.author = QLineEdit(author)
        _add(control_form, "Aut&hor:", self.author, self.author, "Author")
        self.approver = QLineEdit()
        self.approver.setPlaceholderText("e.g. Clinical Director")
        _add(control_form, "Appr&over:", self.approver, self.approver, "Approver")
        columns = QHBoxLayout()
        columns.addWidget(content, 3)
        columns.addWidget(control, 2)
        layout.addLayout(columns)

        self.message = MessageLabel()
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self._derived_bundle = self.bundle_path.text()
        self.pack_path.textChanged.connect(self._pack_path_changed)
        self.bundle.toggled.connect(self._bundle_toggled)
        self._bundle_toggled(self.bundle.isChecked())

    # -- choices ------------------------------------------------------------------------------------

    def _pack_path_changed(self, text: str) -> None:
        """The bundle follows the pack (same folder and name) until the user names it."""
        if self.bundle_path.text() == self._derived_bundle and text.strip():
            self._derived_bundle = str(Path(text.strip()).with_suffix(".zip"))
            self.bundle_path.setText(self._derived_bundle)

    def _bundle_toggled(self, checked: bool) -> None:
        self.bundle_path.setEnabled(checked)
        self.browse_bundle.setEnabled(checked)

    def _browse_pack(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save the pack as", self.pack_path.text(), "Word document (*.docx)")
        if name:
            self.pack_path.setText(name)

    def _browse_bundle(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the evidence bundle as", self.bundle_path.text(), "Zip archive (*.zip)"
        )
        if name:
            self.bundle_path.setText(name)

    def _browse_template(self) -> None:
        start = self.template.text() or str(Path(self.pack_path.text()).parent)
        name, _ = QFileDialog.getOpenFileName(
            self, "Choose a Word template", start, "Word documents and templates (*.docx *.dotx)"
        )
        if name:
            self.template.setText(name)

    def _checked_sections(self) -> tuple[str, ...]:
        items = [self.sections.item(row) for row in range(self.sections.count())]
        return tuple(i.data(Qt.ItemDataRole.UserRole) for i in items if i.checkState() == Qt.CheckState.Checked)

    def chosen_sections(self) -> tuple[str, ...]:
        """The section refs checked; empty when every section is (the pack's default)."""
        chosen = self._checked_sections()
        return () if len(chosen) == self.sections.count() else chosen

    def set_sections(self, refs: Sequence[str]) -> None:
        for row in range(self.sections.count()):
            item = self.sections.item(row)
            checked = item.data(Qt.ItemDataRole.UserRole) in refs
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def _path(self, line: QLineEdit) -> Path | None:
        text = line.text().strip()
        return Path(text).expanduser() if text else None

    def request(self) -> service.ExportRequest:
        options = PackOptions(
            sections=self.chosen_sections(),
            standard_text=self.standard_text.isChecked(),
            control=DocumentControl(
                version=self.version.text().strip(),
                status=self.status.currentText(),
                author=self.author.text().strip(),
                approver=self.approver.text().strip(),
            ),
        )
        return service.ExportRequest(
            out=self._path(self.pack_path) or Path(),
            options=options,
            bundle=self._path(self.bundle_path) if self.bundle.isChecked() else None,
            template=self._path(self.template),
        )

    # -- checks on Export ---------------------------------------------------------------------------

    def _problem(self) -> tuple[str, QWidget] | None:
        """What stops the export, and the field to fix; None when the choices can go ahead."""
        pack = self._path(self.pack_path)
        if pack is None or pack.suffix.lower() != ".docx":
            return "Save the pack as a Word document: a name ending in .docx.", self.pack_path
        if self.bundle.isChecked():
            bundle = self._path(self.bundle_path)
            if bundle is None or bundle.suffix.lower() != ".zip":
                return "Save the evidence bundle as a name ending in .zip.", self.bundle_path
        template = self._path(self.template)
        if template is not None and (template.suffix.lower() not in (".docx", ".dotx") or not template.is_file()):
            return f"{template}: no such Word template (.docx or .dotx).", self.template
        if self.sections.count() and not self._checked_sections():
            return "Choose at least one section to include.", self.sections
        if not self.version.text().strip():
            return "Give the pack's version, e.g. 1.0.", self.version
        return None

    def _replace_existing(self) -> bool:
        request = self.request()
        existing = [p for p in (request.out, request.bundle) if p is not None and p.exists()]
        if not existing:
            return True
        names = "\n".join(str(p) for p in existing)
        answer = QMessageBox.question(
            self,
            TITLE,
            f"Replace what is already there?\n\n{names}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def accept(self) -> None:
        problem = self._problem()
        if problem is not None:
            text, field = problem
            self.message.show_message(text)
            field.setFocus()
            return
        if not self._replace_existing():
            self.pack_path.setFocus()
            return
        self._settings.setValue(TEMPLATE_KEY, self.template.text().strip())
        self._settings.sync()
        super().accept()


# -- the pre-export check ---------------------------------------------------------------------------------

FOLD_OVER = 12  # a kind with more findings than this starts folded
GO_TO_STATEMENT = 2  # PreExportCheckDialog's result when the user chose a statement to fix
REF_ROLE = Qt.ItemDataRole.UserRole


class PreExportCheckDialog(QDialog):
    """The findings by kind, with counts. Export anyway (accepted), Cancel (rejected), or go to a
    statement (result :data:`GO_TO_STATEMENT`, the statement in :attr:`chosen_ref`)."""

    def __init__(self, findings: Sequence[Finding], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pre-export-check")
        self.setWindowTitle("Before you export")
        self.resize(640, 480)
        self.chosen_ref: str | None = None
        layout = QVBoxLayout(self)
        things = "thing" if len(findings) == 1 else "things"
        intro = QLabel(
            f"<b>The check found {len(findings)} {things} a peer reviewer would notice.</b><br>"
            "Go to a statement to put it right, or export the pack as it is."
        )
        intro.setWordWrap(True)
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(32, 32))
        icon.setAccessibleName("Warning")
        head = QHBoxLayout()
        head.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(intro, 1)
        layout.addLayout(head)

        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Pre-export findings by kind")
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        counts = Counter(f.kind for f in findings)
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for kind in sorted(counts, key=_kind_order):
            group = QTreeWidgetItem([f"{KINDS.get(kind, kind).capitalize()} ({counts[kind]})"])
            group.setFont(0, bold)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading, not something to go to
            self.tree.addTopLevelItem(group)
            for finding in (f for f in findings if f.kind == kind):
                item = QTreeWidgetItem([finding.message])
                item.setData(0, REF_ROLE, finding.ref)
                item.setToolTip(0, finding.message)
                group.addChild(item)
        for row in range(self.tree.topLevelItemCount()):  # long lists (often "not started") start folded
            group = self.tree.topLevelItem(row)
            group.setExpanded(group.childCount() <= FOLD_OVER)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        self.tree.currentItemChanged.connect(self._update_buttons)
        layout.addWidget(self.tree, 1)
        hint = QLabel("Double-click a finding, or select it and press Go to statement.")
        hint.setStyleSheet(f"color: {TEXT_MUTED};")
        layout.addWidget(hint)

        self.go_button = QPushButton("&Go to statement")
        self.go_button.setToolTip("Close the check and show this statement, without exporting")
        self.go_button.clicked.connect(self.go_to_current)
        buttons = QDialogButtonBox()
        self.export_button = buttons.addButton("&Export anyway", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.export_button.setDefault(True)
        row = QHBoxLayout()
        row.addWidget(self.go_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout.addLayout(row)
        self._update_buttons()

    def findings_shown(self) -> dict[str, list[str]]:
        """Each group's heading and its messages, as shown (for tests and screen-reader checks)."""
        shown = {}
        for row in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(row)
            shown[group.text(0)] = [group.child(i).text(0) for i in range(group.childCount())]
        return shown

    def select_ref(self, ref: str) -> bool:
        """Make the first finding about ``ref`` current."""
        for row in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(row)
            for i in range(group.childCount()):
                if group.child(i).data(0, REF_ROLE) == ref:
                    self.tree.setCurrentItem(group.child(i))
                    return True
        return False

    def _current_ref(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, REF_ROLE) if item is not None else None

    def _update_buttons(self) -> None:
        self.go_button.setEnabled(bool(self._current_ref()))

    def _double_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        if item.data(0, REF_ROLE):
            self.go_to_current()

    def go_to_current(self) -> None:
        ref = self._current_ref()
        if ref:
            self.chosen_ref = ref
            self.done(GO_TO_STATEMENT)


def _kind_order(kind: str) -> int:
    kinds = list(KINDS)
    return kinds.index(kind) if kind in kinds else len(kinds)


# -- running an export ------------------------------------------------------------------------------------


class PackExport(QObject):
    """One export from the window: prepare on a worker, the check, then export on a worker.

    ``outcome`` is set once, when it ends: "written", "cancelled", "failed", "went-to" (the user
    chose a statement to fix) or "stopped" (closed the check); :attr:`ended` is emitted with it.
    """

    ended = Signal(str)

    def __init__(self, window: MainWindow, request: service.ExportRequest) -> None:
        super().__init__(window)
        self.window = window
        self.request = request
        self.workspace = window.workspace
        self.outcome = ""
        self.findings: list[Finding] = []
        self.result: service.ExportResult | None = None
        self.worker: workers.Worker | None = None
        self.check_dialog: PreExportCheckDialog | None = None

    def start(self) -> workers.Worker:
        ws, app, options = self.workspace, self.window.app, self.request.options

        def work(progress: workers.Progress, cancel: workers.CancelRequested) -> tuple[PackData, list[Finding]]:
            def step(done: int, total: int, message: str) -> None:
                if cancel():  # the scan of evidence documents stops between files
                    raise workers.Cancelled()
                progress(done, total, message)

            return service.prepare(ws, app, options, progress=step, cancel=cancel)

        self.worker = workers.run_with_progress(
            self.window,
            TITLE,
            "Reading the workspace and checking the evidence…",
            work,
            on_finished=self._prepared,
            on_failed=self._failed,
            on_cancelled=lambda: self._cancelled("Export cancelled: nothing was written."),
        )
        return self.worker

    def _prepared(self, prepared: tuple[PackData, list[Finding]]) -> None:
        data, self.findings = prepared
        if self.findings:
            dialog = PreExportCheckDialog(self.findings, self.window)
            self.check_dialog = dialog
            answer = dialog.exec()
            if answer == GO_TO_STATEMENT and dialog.chosen_ref:
                self.window.select_ref(dialog.chosen_ref)
                self.window.statusBar().showMessage(f"Export stopped to look at {dialog.chosen_ref}.", 8000)
                self._end("went-to")
                return
            if answer != QDialog.DialogCode.Accepted:
                self.window.statusBar().showMessage("Export stopped: nothing was written.", 8000)
                self._end("stopped")
                return
        self._write(data)

    def _write(self, data: PackData) -> None:
        ws, app, request = self.workspace, self.window.app, self.request

        def work(progress: workers.Progress, cancel: workers.CancelRequested) -> service.ExportResult:
            return service.export(ws, app, data, request, progress=progress, cancel=cancel)

        self.worker = workers.run_with_progress(
            self.window,
            TITLE,
            f"Writing {request.out.name}…",
            work,
            on_finished=self._written,
            on_failed=self._failed,
            on_cancelled=lambda: self._cancelled("Export cancelled."),
        )

    def _written(self, result: service.ExportResult) -> None:
        self.result = result
        paths = [result.pack.path] + ([result.bundle.path] if result.bundle is not None else [])
        self.window.statusBar().showMessage("Written: " + ", ".join(str(p) for p in paths), 15000)
        box = QMessageBox(self.window)
        box.setObjectName("export-written")
        box.setWindowTitle(TITLE)
        box.setIcon(QMessageBox.Icon.Information)
        box.setTextFormat(Qt.TextFormat.RichText)
        lines = [f"The pack: {html.escape(str(result.pack.path))}"]
        if result.bundle is not None:
            lines.append(f"The evidence bundle: {html.escape(str(result.bundle.path))}")
        box.setText("<b>The submission pack was written.</b><br><br>" + "<br>".join(lines))
        box.setInformativeText(
            f"{result.pack.statements} statements and {result.pack.evidence} evidence items. "
            "Word asks to update the contents and cross-references when the pack is opened: answer Yes."
        )
        folder = box.addButton("&Open folder", QMessageBox.ButtonRole.ActionRole)
        folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(result.pack.path.parent))))
        box.addButton(QMessageBox.StandardButton.Close)
        self.window.last_dialog = box
        box.open()
        self._end("written")

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ExportCancelled):  # the service's own words say what was left unwritten
            text = str(exc)
            self._cancelled(text[:1].upper() + text[1:] + ("" if text.endswith(".") else "."))
            return
        QMessageBox.critical(self.window, TITLE, workers.error_message(exc))
        self._end("failed")

    def _cancelled(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 10000)
        self._end("cancelled")

    def _end(self, outcome: str) -> None:
        self.outcome = outcome
        self.ended.emit(outcome)
