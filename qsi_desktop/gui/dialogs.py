"""Small dialogs: new workspace, the service profile, evidence details, a new action, choosing an import.

Each dialog only collects and checks what the user typed; the caller does the work through the
services (on a worker when it touches files). Checks that need no I/O (statement references,
required fields) run on OK so the dialog stays open with the problem shown inline.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
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
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop.gui.widgets import MessageLabel, OptionalDateEdit
from qsi_desktop.gui.workers import error_message
from qsi_desktop.plugins.types import Importer
from qsi_desktop.services import evidence
from qsi_desktop.services.app import App
from qsi_desktop.services.assessments import AssessmentConflict
from qsi_desktop.services.errors import ACTIONABLE_ERRORS
from qsi_desktop.services.import_columns import ColumnPreview, table_spec
from qsi_desktop.services.profile import ProfileChange
from qsi_desktop.services.records import EvidenceRecord
from qsi_desktop.store.models import ACTION_STATUSES
from qsi_desktop.store.workspace import NewProfile

if TYPE_CHECKING:
    from qsi_desktop.services.importing import ImportSummary  # loaded when an import runs


class ProvisionBoxes(QWidget):
    """What the service provides: a box per modality the plugins register (in section order), then
    a box per registered scope (paediatric imaging...). A modality recorded in the profile whose
    plugin is not loaded is shown checked and disabled, so saving keeps it."""

    def __init__(
        self, app: App, provided: Iterable[str], scopes: Mapping[str, bool], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        group = QGroupBox("Modalities the service provides")
        group_layout = QVBoxLayout(group)
        provided = set(provided)
        self.modalities: dict[str, QCheckBox] = {}
        loaded = app.modalities()
        for code, modality in loaded.items():
            self.modalities[code] = self._box(group_layout, f"{modality.name} ({code})", code in provided)
            self.modalities[code].setAccessibleName(f"Provides {modality.name}")
        for code in sorted(provided - set(loaded)):
            box = self._box(group_layout, f"{code} (its plugin is not installed)", True)
            box.setEnabled(False)
            box.setToolTip(f"The {code} plugin is not installed: its section appears once it is")
            self.modalities[code] = box
        if not loaded:
            group_layout.addWidget(QLabel("No modality plugin is installed: the XR sections apply."))
        layout.addWidget(group)
        self.scopes: dict[str, QCheckBox] = {}
        for scope_id, scope in app.scopes().items():
            box = self._box(layout, scope.question, scopes.get(scope_id, scope.default))
            box.setAccessibleName(scope.question)
            self.scopes[scope_id] = box
            modality = self.modalities.get(scope.modality or "")
            if modality is not None:  # a modality's own question: asked when the service provides it
                box.setEnabled(modality.isChecked())
                modality.toggled.connect(box.setEnabled)

    @staticmethod
    def _box(layout: QVBoxLayout, text: str, checked: bool) -> QCheckBox:
        box = QCheckBox(text)
        box.setChecked(checked)
        layout.addWidget(box)
        return box

    def chosen_modalities(self) -> tuple[str, ...]:
        return tuple(code for code, box in self.modalities.items() if box.isChecked())

    def chosen_scopes(self) -> dict[str, bool]:
        return {scope_id: box.isChecked() for scope_id, box in self.scopes.items()}


# (importer, a file, the choices so far) -> how its headers map: the window's workspace does the reading
ColumnPreviewer = Callable[[Importer, Path, dict[str, str]], ColumnPreview]


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    box.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


def _dates_read(message: MessageLabel, *fields: OptionalDateEdit) -> bool:
    """Read the dates typed; the first that is not a date is said in ``message`` and gets focus."""
    for field in fields:
        if not field.commit():
            message.show_message(field.problem_text())
            field.setFocus(Qt.FocusReason.OtherFocusReason)
            return False
    return True


def _report_date_problems(message: MessageLabel, *fields: OptionalDateEdit) -> None:
    for field in fields:
        field.problem.connect(lambda text: message.show_message(text) if text else message.clear_message())


def _labelled(form: QFormLayout, text: str, widget: QWidget, accessible: str = "") -> None:
    label = QLabel(text)
    label.setBuddy(widget)
    widget.setAccessibleName(accessible or text.replace("&", "").rstrip(":"))
    form.addRow(label, widget)


# -- new workspace ----------------------------------------------------------------------------------


@dataclass
class NewWorkspaceRequest:
    path: Path
    profile: NewProfile


class NewWorkspaceDialog(QDialog):
    """Folder, service name, organisation, the modalities provided and paediatric imaging."""

    def __init__(self, app: App, parent: QWidget | None = None, *, default_folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New workspace")
        self.setMinimumWidth(520)
        self._app = app
        layout = QVBoxLayout(self)
        intro = QLabel(
            "A workspace holds one imaging service's self-assessment, evidence and actions. "
            "Keep it on this computer's local disk (not a network drive)."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("an empty or new folder")
        if default_folder is not None:
            self.folder.setText(str(default_folder))
        browse = QPushButton("&Browse…")
        browse.setAccessibleName("Browse for the workspace folder")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        folder_label = QLabel("&Folder:")
        folder_label.setBuddy(self.folder)
        self.folder.setAccessibleName("Workspace folder")
        form.addRow(folder_label, row)
        self.service = QLineEdit()
        self.service.setPlaceholderText("e.g. Riverside Imaging Service")
        _labelled(form, "&Service name:", self.service)
        self.organisation = QLineEdit()
        self.organisation.setPlaceholderText("e.g. Riverside Hospitals NHS Foundation Trust")
        _labelled(form, "&Organisation:", self.organisation)
        layout.addLayout(form)

        self.provision = ProvisionBoxes(app, (), {}, self)
        layout.addWidget(self.provision)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        layout.addWidget(_buttons(self, "Create"))

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder for the new workspace", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def request(self) -> NewWorkspaceRequest:
        return NewWorkspaceRequest(
            path=Path(self.folder.text().strip()).expanduser(),
            profile=NewProfile(
                name=self.service.text().strip(),
                organisation=self.organisation.text().strip(),
                modalities=self.provision.chosen_modalities(),
                scopes=self.provision.chosen_scopes(),
            ),
        )

    def accept(self) -> None:
        if not self.folder.text().strip():
            self.message.show_message("Choose a folder for the workspace.")
            self.folder.setFocus()
            return
        path = Path(self.folder.text().strip()).expanduser()
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            self.message.show_message(f"{path} is not empty: choose a new or empty folder.")
            self.folder.setFocus()
            return
        if not self.service.text().strip():
            self.message.show_message("Give the name of the imaging service.")
            self.service.setFocus()
            return
        super().accept()


# -- service profile --------------------------------------------------------------------------------


class ProfileDialog(QDialog):
    """The service profile: name, organisation, sites, modalities provided and paediatric imaging.

    What applies follows the profile: a modality not provided makes its section not applicable, and
    a service that does not image children makes the paediatric statements not applicable. Only the
    modalities whose plugin is loaded can be changed; one recorded without its plugin stays as it is.
    """

    def __init__(self, app: App, profile: dict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Service profile")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "What applies to the service follows its profile: a modality it does not provide, and paediatric "
            "statements for a service that does not image children, are marked not applicable."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        self.service = QLineEdit(profile["name"])
        _labelled(form, "&Service name:", self.service)
        self.organisation = QLineEdit(profile["organisation"])
        self.organisation.setPlaceholderText("e.g. Riverside Hospitals NHS Foundation Trust")
        _labelled(form, "&Organisation:", self.organisation)
        self.sites = QPlainTextEdit("\n".join(profile["sites"]))
        self.sites.setTabChangesFocus(True)
        self.sites.setPlaceholderText("One site a line, e.g. Riverside General Hospital")
        self.sites.setFixedHeight(90)
        _labelled(form, "S&ites:", self.sites, "Sites, one a line")
        layout.addLayout(form)

        self.provision = ProvisionBoxes(app, profile["modalities"], profile["scopes"], self)
        layout.addWidget(self.provision)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        layout.addWidget(_buttons(self, "Save"))

    def change(self) -> ProfileChange:
        return ProfileChange(
            name=self.service.text().strip(),
            organisation=self.organisation.text().strip(),
            sites=tuple(line.strip() for line in self.sites.toPlainText().splitlines() if line.strip()),
            modalities=self.provision.chosen_modalities(),
            scopes=self.provision.chosen_scopes(),
        )

    def accept(self) -> None:
        if not self.service.text().strip():
            self.message.show_message("Give the name of the imaging service.")
            self.service.setFocus()
            return
        super().accept()


# -- evidence ---------------------------------------------------------------------------------------


class EvidenceDialog(QDialog):
    """Details of a file or link: title, version, owner, document reference, dates, statements."""

    def __init__(
        self,
        app: App,
        ref: str,
        parent: QWidget | None = None,
        *,
        file: Path | None = None,
        link: bool = False,
        previous: EvidenceRecord | None = None,
        editing: EvidenceRecord | None = None,
    ) -> None:
        """``previous``: the evidence item ``file`` is the new version of; ``editing``: an item whose
        details are being changed (its links are changed with Link to statements instead)."""
        super().__init__(parent)
        self._app = app
        self._file = file
        self._previous = previous
        self._editing = editing
        if editing is not None:
            self.setWindowTitle(f"Edit evidence {editing.title}")
        elif previous is not None:
            self.setWindowTitle(f"New version of {previous.title}")
        else:
            self.setWindowTitle("Add evidence link" if link else "Add evidence file")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.url: QLineEdit | None = None
        if file is not None:
            name = QLabel(html.escape(file.name))
            name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow("File:", name)
        if link:
            self.url = QLineEdit()
            self.url.setPlaceholderText("https://… or \\\\server\\share\\document.docx")
            _labelled(form, "&Link:", self.url)
        if previous is not None and editing is None:
            replaces = QLabel()
            replaces.setTextFormat(Qt.TextFormat.PlainText)
            replaces.setText(f"{previous.title} (version {previous.version or 'not given'})")
            replaces.setAccessibleName("Replaces")
            form.addRow("Replaces:", replaces)
            self.title = QLineEdit(previous.title)
        else:
            self.title = QLineEdit(evidence.title_from_file_name(file.name) if file is not None else "")
        _labelled(form, "&Title:", self.title)
        self.version = QLineEdit()
        self.version.setPlaceholderText("e.g. 2.1")
        _labelled(form, "&Version:", self.version)
        self.owner = QLineEdit()
        self.owner.setPlaceholderText("job title, e.g. Radiation Protection Supervisor")
        _labelled(form, "&Owner:", self.owner)
        self.document_ref = QLineEdit()
        _labelled(form, "&Document ref:", self.document_ref, "Document control reference")
        self.approved = OptionalDateEdit()
        _labelled(form, "&Approved on:", self.approved)
        self.review_due = OptionalDateEdit()
        _labelled(form, "&Review due:", self.review_due)
        self.targets = QLineEdit(ref)
        self.targets.setToolTip(
            "Comma-separated references; XR-501:4.b links one suggestion of XR-501. "
            "Empty: the evidence waits in Unsorted (Evidence library) until you link it."
        )
        self.targets.setPlaceholderText("empty: Unsorted, to link later")
        if editing is not None:
            self._fill(editing)
            self.targets.hide()
        elif previous is None:
            _labelled(form, "&Supports:", self.targets, "Quality statements this evidence supports")
        else:  # the new version takes the old one's links
            self.owner.setText(previous.owner)
            self.document_ref.setText(previous.document_ref)
            self.targets.hide()
            supports = QLabel()
            supports.setTextFormat(Qt.TextFormat.PlainText)
            carried = ", ".join(str(target) for target in previous.targets)
            supports.setText(f"{carried} (carried over from the old version)")
            supports.setWordWrap(True)
            supports.setAccessibleName("Supports")
            form.addRow("Supports:", supports)
        layout.addLayout(form)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        ok = "Save" if editing is not None else "Add" if previous is None else "Save new version"
        layout.addWidget(_buttons(self, ok))
        _report_date_problems(self.message, self.approved, self.review_due)

    def _fill(self, item: EvidenceRecord) -> None:
        self.title.setText(item.title)
        self.version.setText(item.version)
        self.owner.setText(item.owner)
        self.document_ref.setText(item.document_ref)
        self.approved.set_value(item.approved_on)
        self.review_due.set_value(item.review_due_on)

    def edit(self) -> evidence.EvidenceEdit:
        """The details as typed, every field (an emptied date is cleared)."""
        cleared = {
            name
            for name, f in (("approved_on", self.approved), ("review_due_on", self.review_due))
            if f.value() is None
        }
        return evidence.EvidenceEdit(
            title=self.title.text(),
            version=self.version.text(),
            owner=self.owner.text(),
            document_ref=self.document_ref.text(),
            approved_on=self.approved.value(),
            review_due_on=self.review_due.value(),
            clear=frozenset(cleared),
        )

    def details(self) -> evidence.EvidenceDetails:
        return evidence.EvidenceDetails(
            title=self.title.text(),
            version=self.version.text(),
            owner=self.owner.text(),
            document_ref=self.document_ref.text(),
            approved_on=self.approved.value(),
            review_due_on=self.review_due.value(),
            targets=[self.targets.text()] if self._previous is None else [],
            supersedes=self._previous.id if self._previous is not None else None,
        )

    def link_url(self) -> str:
        return self.url.text().strip() if self.url is not None else ""

    def accept(self) -> None:
        if not _dates_read(self.message, self.approved, self.review_due):
            return
        if self.url is not None and not self.link_url():
            self.message.show_message("Enter the link to the evidence.")
            self.url.setFocus()
            return
        if self._editing is not None and not self.title.text().strip():
            self.message.show_message("Give the evidence a title.")
            self.title.setFocus()
            return
        if self._previous is not None or self._editing is not None:  # links are not changed here
            super().accept()
            return
        try:
            evidence.parse_targets(self._app, [self.targets.text()], required=False)
        except ACTIONABLE_ERRORS as exc:
            self.message.show_message(error_message(exc))
            self.targets.setFocus()
            return
        super().accept()


# -- actions ----------------------------------------------------------------------------------------


class ActionDialog(QDialog):
    def __init__(self, ref: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Add action for {ref}")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText("What will be done")
        self.description.setFixedHeight(80)
        _labelled(form, "&Action:", self.description, "Action description")
        self.owner = QLineEdit()
        _labelled(form, "&Owner:", self.owner, "Action owner")
        self.due = OptionalDateEdit()
        _labelled(form, "&Due:", self.due, "Due date")
        self.status = QComboBox()
        for status in ACTION_STATUSES:
            self.status.addItem(status.replace("_", " ").capitalize(), status)
        _labelled(form, "&Status:", self.status, "Action status")
        layout.addLayout(form)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        layout.addWidget(_buttons(self, "Add"))
        _report_date_problems(self.message, self.due)

    def accept(self) -> None:
        if not _dates_read(self.message, self.due):
            return
        if not self.description.toPlainText().strip():
            self.message.show_message("Describe the action.")
            self.description.setFocus()
            return
        super().accept()


# -- import -----------------------------------------------------------------------------------------


IDENTIFIER_CHOICE_TEXTS = (
    ("Hold the row back (nothing stored)", "hold"),
    ("Store the row without that text", "blank"),
    ("Keep it: I have checked it is not a patient's", "keep"),
)


class ImportDialog(QDialog):
    """Choose an importer and the files or folders to read; ``importers``: those that apply to the
    service (its modalities), in the order to offer them."""

    def __init__(
        self,
        importers: Sequence[Importer],
        parent: QWidget | None = None,
        preview_columns: ColumnPreviewer | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import")
        self._preview_columns = preview_columns
        self.columns: dict[str, str] = {}  # header -> column chosen in the column step
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.importer = QComboBox()
        for importer in importers:
            self.importer.addItem(importer.title, importer.name)
            self.importer.setItemData(
                self.importer.count() - 1, importer.description or importer.title, Qt.ItemDataRole.ToolTipRole
            )
        self._importers = {i.name: i for i in importers}
        _labelled(form, "&Importer:", self.importer, "Importer")
        layout.addLayout(form)
        self.about = QLabel()
        self.about.setWordWrap(True)
        layout.addWidget(self.about)
        self.files = QListWidget()
        self.files.setAccessibleName("Files and folders to import")
        layout.addWidget(self.files, 1)
        row = QHBoxLayout()
        add_files = QPushButton("Add &files…")
        add_files.clicked.connect(self._add_files)
        add_folder = QPushButton("Add f&older…")
        add_folder.clicked.connect(self._add_folder)
        clear = QPushButton("&Clear")
        clear.clicked.connect(self.files.clear)
        for button in (add_files, add_folder, clear):
            row.addWidget(button)
        row.addStretch(1)
        # A spreadsheet log whose headers the importer does not know: say which header holds which column.
        self.columns_button = QPushButton("Choose colu&mns…")
        self.columns_button.setToolTip("Say which header of the first file holds each column the import needs")
        self.columns_button.clicked.connect(self.choose_columns)
        row.addWidget(self.columns_button)
        layout.addLayout(row)
        self.dry_run = QCheckBox("&Dry run: read and report, store nothing")
        layout.addWidget(self.dry_run)
        # The question the command line asks with --identifiers: free text that looks like a patient's
        # hospital number, date of birth or name is held back unless the user chooses otherwise.
        choices = QFormLayout()
        self.identifiers = QComboBox()
        for text, value in IDENTIFIER_CHOICE_TEXTS:
            self.identifiers.addItem(text, value)
        self.identifiers.setToolTip(
            "A note holding something like a hospital number (RX1234567), a date of birth or a name after "
            "Mr/Mrs/Dr: hold the row back (safest), store the row without that text, or keep it as it is "
            "once you have checked it is not a patient's (a member of staff, an equipment code). NHS numbers "
            "are never stored."
        )
        _labelled(choices, "Text that looks like a &patient identifier:", self.identifiers, "Patient identifiers")
        layout.addLayout(choices)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        layout.addWidget(_buttons(self, "Import"))
        self.importer.currentIndexChanged.connect(self._describe)
        self.files.model().rowsInserted.connect(self._enable_columns)
        self.files.model().rowsRemoved.connect(self._enable_columns)
        self._describe()

    def _enable_columns(self) -> None:
        importer = self._importers.get(self.importer.currentData())
        tables = importer is not None and table_spec(importer) is not None and self._preview_columns is not None
        self.columns_button.setVisible(tables)
        self.columns_button.setEnabled(tables and self.files.count() > 0)

    def choose_columns(self) -> QDialog | None:
        """The column step for the first file (a folder's first file the importer reads)."""
        from qsi_desktop.gui.import_columns_dialog import ColumnChoiceDialog
        from qsi_desktop.services.importing import expand_paths

        importer = self._importers.get(self.importer.currentData())
        if importer is None or self._preview_columns is None or not self.paths():
            return None
        try:
            first = expand_paths(importer, self.paths()[:1])[0]
            preview = self._preview_columns(importer, first, self.columns)
        except ACTIONABLE_ERRORS as exc:
            self.message.show_message(error_message(exc))
            return None
        dialog = ColumnChoiceDialog(preview, importer.title, self)
        self.last_dialog = dialog
        dialog.accepted.connect(lambda: self._columns_chosen(dialog.choices()))
        dialog.open()
        return dialog

    def _columns_chosen(self, choices: dict[str, str]) -> None:
        self.columns.update(choices)
        shown = ", ".join(f"{header} is {column}" for header, column in self.columns.items())
        self.message.show_message(f"Columns chosen: {shown}" if shown else "", "info")

    def _describe(self) -> None:
        self.columns = {}
        self._enable_columns()
        importer = self._importers.get(self.importer.currentData())
        if importer is None:
            self.about.setText("")
            return
        text = importer.description or importer.title
        if importer.patterns:
            text += f"\nReads: {', '.join(importer.patterns)} (folders are searched for these)."
        if importer.statement_refs:
            text += f"\nEvidence for: {', '.join(importer.statement_refs)}."
        self.about.setText(text)

    def _patterns(self) -> str:
        importer = self._importers.get(self.importer.currentData())
        patterns = " ".join(importer.patterns) if importer is not None and importer.patterns else "*"
        return f"Accepted files ({patterns});;All files (*)"

    def _add_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Choose files to import", "", self._patterns())
        self.add_paths([Path(n) for n in names])

    def _add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder to import")
        if folder:
            self.add_paths([Path(folder)])

    def add_paths(self, paths: list[Path]) -> None:
        present = set(self.paths())
        for path in paths:
            if path not in present:
                self.files.addItem(str(path))
                present.add(path)

    def paths(self) -> list[Path]:
        return [Path(self.files.item(i).text()) for i in range(self.files.count())]

    def importer_name(self) -> str:
        return str(self.importer.currentData() or "")

    def identifier_choice(self) -> str:
        """ "hold", "blank" or "keep" (``importing.IDENTIFIER_CHOICES``)."""
        return str(self.identifiers.currentData() or "hold")

    def accept(self) -> None:
        if not self.importer_name():
            self.message.show_message("No importer is available: install a modality plugin.")
            return
        if not self.paths():
            self.message.show_message("Add the files or folders to import.")
            return
        super().accept()


def import_summary_html(summary: ImportSummary) -> str:
    esc = html.escape
    if summary.cancelled:
        head = "<p><b>The import was cancelled: nothing was stored.</b></p>"
    elif summary.dry_run:
        head = "<p><b>Dry run: nothing was stored.</b></p>"
    elif summary.rejected_whole:
        head = f"<p><b>Rejected: nothing was stored.</b> Import run {summary.run_id} keeps the reasons.</p>"
    elif summary.run_id is not None:
        head = f"<p>Stored as import run {summary.run_id}.</p>"
    else:
        head = ""
    verb = "Would import" if summary.dry_run else "Imported"
    rows = [
        ("Files read", summary.files),
        (verb, summary.imported),
        ("Earlier records replaced (kept as history)", summary.replaced),
        ("Duplicates (already stored or repeated)", summary.duplicates),
        ("Skipped", len(summary.skipped)),
        ("Rejected", len(summary.rejected)),
    ]
    table = "".join(f"<tr><td>{esc(k)}</td><td align='right'><b>{v}</b></td></tr>" for k, v in rows)
    parts = [head, f"<table cellpadding='3'>{table}</table>"]
    for title, issues in (("Rejected", summary.rejected), ("Skipped", summary.skipped)):
        if issues:
            items = "".join(
                f"<li>{esc(Path(i.file).name)}{f' row {i.row}' if i.row else ''}: {esc(i.reason)}</li>"
                for i in issues[:200]
            )
            more = f"<p>… and {len(issues) - 200} more.</p>" if len(issues) > 200 else ""
            parts.append(f"<h4>{title}</h4><ul>{items}</ul>{more}")
    if any(words in i.reason for i in summary.rejected for words in ("required columns missing", "no header row")):
        parts.append(
            "<p>A file's headers are not in words the importer knows: import it again and use "
            "<b>Choose columns…</b> to say which header holds each column (remembered for next time).</p>"
        )
    return "".join(parts)


class ImportSummaryDialog(QDialog):
    def __init__(self, summary: ImportSummary, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import: {title}")
        self.resize(560, 420)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Import summary")
        self.browser.setHtml(import_summary_html(summary))
        layout.addWidget(self.browser)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        box.accepted.connect(self.accept)
        layout.addWidget(box)


# -- a save over a colleague's -----------------------------------------------------------------------


class ConflictDialog(QDialog):
    """Someone saved the statement after it was opened: their text and yours side by side, and what
    to do: keep theirs (drop yours), keep yours (saved over theirs, which the audit trail keeps), or
    put both texts in the narrative to merge them by hand. Cancel goes back to editing."""

    KEEP_THEIRS, KEEP_MINE, MERGE = "theirs", "mine", "merge"

    def __init__(self, conflict: AssessmentConflict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        theirs = conflict.theirs
        self.choice = ""
        self.setWindowTitle(f"{conflict.ref} was changed by someone else")
        self.setObjectName("conflict-dialog")
        self.setMinimumWidth(640)
        who = theirs.updated_by or "someone else"
        when = f"{theirs.updated_at.astimezone():%H:%M on %d %b %Y}" if theirs.updated_at else "meanwhile"
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"{who} saved {conflict.ref} at {when}, after you opened it. Nothing of yours is saved yet: "
            "choose which version to keep."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        columns = QHBoxLayout()
        self.theirs_text = self._column(columns, f"&Their narrative ({who}, {when}):", theirs.narrative)
        self.mine_text = self._column(columns, "Your narrative (not saved):", conflict.my_narrative, mnemonic=False)
        layout.addLayout(columns, 1)
        differences = _other_differences(conflict)
        if differences:
            other = QLabel("Also different: " + "; ".join(differences))
            other.setWordWrap(True)
            other.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(other)
        box = QDialogButtonBox()
        self.theirs_button = box.addButton("Keep t&heirs", QDialogButtonBox.ButtonRole.AcceptRole)
        self.theirs_button.setAccessibleName(f"Keep {who}'s version and drop your changes")
        self.mine_button = box.addButton("Keep &mine", QDialogButtonBox.ButtonRole.AcceptRole)
        self.mine_button.setAccessibleName(f"Keep your version, saved over {who}'s (the audit trail keeps theirs)")
        self.merge_button = box.addButton("Copy &both into the narrative", QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.setAccessibleName("Put both texts in the narrative to merge them, then save")
        cancel = box.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText("Back to editing")
        for button, choice in (
            (self.theirs_button, self.KEEP_THEIRS),
            (self.mine_button, self.KEEP_MINE),
            (self.merge_button, self.MERGE),
        ):
            button.clicked.connect(lambda _checked=False, c=choice: self._choose(c))
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self.merge_button.setDefault(True)

    def _column(self, row: QHBoxLayout, title: str, text: str, *, mnemonic: bool = True) -> QPlainTextEdit:
        column = QVBoxLayout()
        label = QLabel(title)
        label.setTextFormat(Qt.TextFormat.PlainText)
        if not mnemonic:
            label.setText(title.replace("&", ""))
        view = QPlainTextEdit(text)
        view.setReadOnly(True)
        view.setTabChangesFocus(True)
        view.setAccessibleName(title.replace("&", "").rstrip(":"))
        label.setBuddy(view)
        column.addWidget(label)
        column.addWidget(view, 1)
        row.addLayout(column, 1)
        return view

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()


def _other_differences(conflict: AssessmentConflict) -> list[str]:
    """What else their save holds that the user's form does not show: status, owner, review date."""
    theirs, mine = conflict.theirs, conflict.mine
    found = []
    if mine.status is not None and mine.status != theirs.status:
        found.append(f"status {theirs.status.replace('_', ' ')} (yours: {mine.status.replace('_', ' ')})")
    if mine.owner is not None and mine.owner.strip() != theirs.owner:
        found.append(f"owner {theirs.owner or 'none'} (yours: {mine.owner.strip() or 'none'})")
    return found
