"""The audit trail in the window (Edit > Audit trail), with Redact text for a quality lead.

Redaction runs :func:`qsi_desktop.services.redact.redact` on a worker: it rewrites and compacts the
database and every backup, which takes a moment on a large workspace.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop.gui import workers
from qsi_desktop.services import redact
from qsi_desktop.services.audit import list_audit
from qsi_desktop.services.records import AuditRecord
from qsi_desktop.store.workspace import Workspace

SHOWN = 500  # the most recent entries listed


class AuditTrailDialog(QDialog):
    def __init__(self, workspace: Workspace, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.actor = workspace, actor
        self.setWindowTitle("Audit trail")
        self.resize(900, 520)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Every saved change, newest first. Redact text takes text that held personal data out of the "
            "trail and the backups (quality lead only); the redaction is recorded."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["#", "When (UTC)", "Who", "What", "Fields"])
        self.table.setAccessibleName("Audit trail entries")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)  # the entry's own number is the first column
        self.table.setWordWrap(False)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.redact_button = QPushButton("&Redact text…")
        self.redact_button.clicked.connect(self.redact_selected)
        row.addWidget(self.redact_button)
        row.addStretch(1)
        layout.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.entries: list[AuditRecord] = []
        self.last_result: redact.RedactResult | None = None
        self.reload()

    def reload(self) -> None:
        self.entries = list_audit(self.workspace, SHOWN)
        self.table.setRowCount(len(self.entries))
        for index, entry in enumerate(self.entries):
            fields = ", ".join(sorted((entry.after or entry.before or {}).keys()))
            cells = [f"#{entry.id}", f"{entry.at:%Y-%m-%d %H:%M}", entry.actor, entry.summary, fields]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, entry.id)
                self.table.setItem(index, column, item)
        self.table.resizeColumnsToContents()
        if self.entries:
            self.table.selectRow(0)

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.entries[rows[0].row()].id if rows else None

    def redact_selected(self, *, field: str | None = None, confirm: bool = True) -> workers.Worker | None:
        audit_id = self.selected_id()
        if audit_id is None:
            QMessageBox.information(self, "Redact text", "Select the entry that recorded the text.")
            return None
        try:
            redact.require_quality_lead(self.workspace, self.actor)
            fields = redact.redactable_fields(self.workspace, audit_id)
        except Exception as exc:  # QsiError: a one-line reason
            QMessageBox.warning(self, "Redact text", str(exc))
            return None
        if not fields:
            QMessageBox.information(self, "Redact text", f"Entry #{audit_id} holds no text to redact.")
            return None
        if field is None:
            if len(fields) == 1:
                field = fields[0]
            else:
                field, chosen = QInputDialog.getItem(
                    self, "Redact text", f"Which text of entry #{audit_id}?", fields, 0, False
                )
                if not chosen:
                    return None
        if confirm:
            answer = QMessageBox.question(
                self,
                "Redact text",
                f"Replace the {field} text of entry #{audit_id}, wherever the trail and the backups hold it, "
                "with a note of who redacted it and when? This cannot be undone.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return None
        ws, actor = self.workspace, self.actor

        def work(progress: workers.Progress, cancel: workers.CancelRequested) -> redact.RedactResult:
            return redact.redact(ws, audit_id, actor=actor, field=field)

        def finished(result: redact.RedactResult) -> None:
            self.last_result = result
            self.reload()

        return workers.run_with_progress(
            self,
            "Redact text",
            "Redacting and compacting the database and its backups…",
            work,
            on_finished=finished,
            cancellable=False,
        )
