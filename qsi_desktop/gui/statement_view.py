"""The selected quality statement: the standard's text, the assessment form, evidence and actions.

The text is rendered as escaped HTML in a read-only browser (catalogue text is data, never
markup). The form sends only what the user changed to :func:`~qsi_desktop.services.assessments.assess`;
a :class:`~qsi_desktop.services.errors.UserError` is shown inline and nothing is saved.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import datetime

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop.catalogue.model import Item, Section, Statement
from qsi_desktop.gui.context import GuiContext
from qsi_desktop.gui.dialogs import ConflictDialog
from qsi_desktop.gui.evidence_view import ActionsPane, EvidencePane
from qsi_desktop.gui.style import TEXT_MUTED, badge_html, status_icon
from qsi_desktop.gui.widgets import MessageLabel, OptionalDateEdit
from qsi_desktop.gui.workers import error_message
from qsi_desktop.services.assessments import (
    AssessmentChange,
    AssessmentConflict,
    StatementDetails,
    assess,
    statement_details,
)
from qsi_desktop.services.errors import ACTIONABLE_ERRORS
from qsi_desktop.services.values import STATUS_LABELS, status_label
from qsi_desktop.store.models import STATUSES

# -- the standard's text ----------------------------------------------------------------------------

_URL = re.compile(r"\bhttps?://[^\s<>\"']+")


def _text(text: str) -> str:
    """Escape, then make web addresses clickable (the escaped address is a valid href)."""
    escaped = html.escape(text, quote=True)

    def link(match: re.Match[str]) -> str:
        url = match.group(0)
        trail = ""
        while url and url[-1] in ".,;:)":
            url, trail = url[:-1], url[-1] + trail
        return f'<a href="{url}">{url}</a>{trail}'

    return _URL.sub(link, escaped)


def _lettered(items: tuple[Item, ...]) -> bool:
    return all(item.label == chr(ord("a") + index) for index, item in enumerate(items))


def _items_html(items: Iterable[Item], tag: str = "ol", list_type: str = "1") -> str:
    items = tuple(items)
    if not items:
        return ""
    rows: list[str] = []
    for item in items:
        sub = ""
        if item.items:
            if _lettered(item.items):
                sub = _items_html(item.items, "ol", "a")
            else:
                sub = _items_html(
                    (Item(f"{s.label}) {s.text}" if s.label else s.text, "", s.items) for s in item.items), "ul", "disc"
                )
        rows.append(f"<li>{_text(item.text)}{sub}</li>")
    return f'<{tag} type="{list_type}">{"".join(rows)}</{tag}>'


def statement_html(statement: Statement) -> str:
    """The statement's text as clean HTML: every piece of text escaped, suggestions numbered."""
    parts = [
        "<h3>Quality statement</h3>",
        f"<p>{_text(statement.statement)}</p>",
        "<h3>Outcome measure</h3>",
        f"<p>{_text(statement.outcome)}</p>",
    ]
    if statement.suggestions:
        parts += ["<h3>Suggestions</h3>", _items_html(statement.suggestions, "ol", "1")]
    if statement.notes:
        parts += ["<h3>Notes</h3>", _items_html(statement.notes, "ul", "disc")]
    return "".join(parts)


TEXT_CSS = f"""
h3 {{ color: #003087; margin-top: 12px; margin-bottom: 4px; font-size: 11pt; }}
p {{ margin-top: 0; margin-bottom: 6px; }}
li {{ margin-bottom: 3px; }}
a {{ color: #005eb8; }}
.muted {{ color: {TEXT_MUTED}; }}
"""


# -- the assessment form ------------------------------------------------------------------------------


class AssessmentForm(QWidget):
    """Status, owner, narrative, justification, review interval and dates, sign-off; Save."""

    saved = Signal(str)  # the statement reference

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx: GuiContext | None = None
        self.details: StatementDetails | None = None
        self.last_conflict_dialog: ConflictDialog | None = None  # for tests and screenshots
        self._loading = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.applicability = QLabel()
        self.applicability.setObjectName("applicability")
        self.applicability.setWordWrap(True)
        self.applicability.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.applicability)
        # With users (team mode), a statement the user's role may not change is shown read-only, saying why.
        self.read_only_note = QLabel()
        self.read_only_note.setObjectName("read-only-note")
        self.read_only_note.setWordWrap(True)
        self.read_only_note.setTextFormat(Qt.TextFormat.PlainText)
        self.read_only_note.hide()
        layout.addWidget(self.read_only_note)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.status = QComboBox()
        for status in STATUSES:
            self.status.addItem(status_icon(status), STATUS_LABELS[status], status)
        self._row(form, "Sta&tus:", self.status, "Assessment status")
        self.owner = QLineEdit()
        self.owner.setPlaceholderText("job title of the person responsible")
        self._owners = QStringListModel(self)
        completer = QCompleter(self._owners, self.owner)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.owner.setCompleter(completer)
        self._row(form, "&Owner:", self.owner, "Owner")
        self.narrative = QPlainTextEdit()
        self.narrative.setTabChangesFocus(True)
        self.narrative.setPlaceholderText("How the service meets the statement, and where the evidence is")
        self.narrative.setMinimumHeight(60)
        self.narrative.setMaximumHeight(96)
        self._row(form, "&Narrative:", self.narrative, "Narrative")
        self.justification_label = QLabel("&Justification:")
        self.justification = QPlainTextEdit()
        self.justification.setTabChangesFocus(True)
        self.justification.setMaximumHeight(52)
        self.justification.setAccessibleName("Justification")
        self.justification_label.setBuddy(self.justification)
        form.addRow(self.justification_label, self.justification)

        self.interval = QSpinBox()
        self.interval.setRange(0, 60)
        self.interval.setSpecialValueText("not set")
        self.interval.setSuffix(" months")
        self.interval.setMaximumWidth(140)
        self.last_reviewed = OptionalDateEdit(accessible_name="Last reviewed")
        self.next_review = OptionalDateEdit(accessible_name="Next review")
        self._row(form, "Revie&w every:", self.interval, "Review interval in months")
        dates = QHBoxLayout()
        dates.addWidget(self.last_reviewed)
        dates.addSpacing(12)
        next_label = QLabel("Ne&xt review:")
        next_label.setBuddy(self.next_review)
        dates.addWidget(next_label)
        dates.addWidget(self.next_review)
        dates.addStretch(1)
        last_label = QLabel("&Last reviewed:")
        last_label.setBuddy(self.last_reviewed)
        form.addRow(last_label, dates)
        self.signed_off_by = QLineEdit()
        self.signed_off_by.setPlaceholderText("who signed the assessment off")
        self._row(form, "Si&gned off by:", self.signed_off_by, "Signed off by")
        layout.addLayout(form)

        # Buttons and messages go below the scrolling fields (the view places self.footer).
        self.footer = QWidget(self)
        footer = QVBoxLayout(self.footer)
        footer.setContentsMargins(0, 4, 0, 0)
        buttons = QHBoxLayout()
        self.updated = QLabel()
        self.updated.setStyleSheet(f"color: {TEXT_MUTED};")
        buttons.addWidget(self.updated, 1)
        self.revert_button = QPushButton("&Revert")
        self.revert_button.setAccessibleName("Revert unsaved changes")
        self.revert_button.clicked.connect(self.revert)
        self.save_button = QPushButton("Save")
        self.save_button.setAccessibleName("Save assessment")
        self.save_button.setToolTip("Save the assessment (Ctrl+S)")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        self.message = MessageLabel()
        footer.addWidget(self.message)
        footer.addLayout(buttons)

        self.status.currentIndexChanged.connect(self._status_changed)
        for signal in (
            self.status.currentIndexChanged,
            self.owner.textChanged,
            self.narrative.textChanged,
            self.justification.textChanged,
            self.interval.valueChanged,
            self.last_reviewed.dateChanged,
            self.next_review.dateChanged,
            self.signed_off_by.textChanged,
        ):
            signal.connect(self._edited)
        for field in (self.last_reviewed, self.next_review):
            field.problem.connect(self._date_problem)
        QWidget.setTabOrder(self.status, self.owner)
        QWidget.setTabOrder(self.owner, self.narrative)
        QWidget.setTabOrder(self.narrative, self.justification)
        QWidget.setTabOrder(self.justification, self.interval)
        QWidget.setTabOrder(self.interval, self.last_reviewed)
        QWidget.setTabOrder(self.last_reviewed, self.next_review)
        QWidget.setTabOrder(self.next_review, self.signed_off_by)
        QWidget.setTabOrder(self.signed_off_by, self.revert_button)
        QWidget.setTabOrder(self.revert_button, self.save_button)
        self._update_buttons()

    @staticmethod
    def _row(form: QFormLayout, text: str, widget: QWidget, accessible: str) -> None:
        label = QLabel(text)
        label.setBuddy(widget)
        widget.setAccessibleName(accessible)
        form.addRow(label, widget)

    # -- loading ----------------------------------------------------------------------------------

    def set_context(self, ctx: GuiContext) -> None:
        self.ctx = ctx

    def set_owner_suggestions(self, owners: Iterable[str]) -> None:
        """Offer the owners already named elsewhere in the workspace as the user types."""
        self._owners.setStringList(sorted({o for o in owners if o}))

    def load(self, details: StatementDetails) -> None:
        self._loading = True
        stored = details.assessment
        try:
            self.details = details
            self.status.setCurrentIndex(max(self.status.findData(details.status), 0))
            self.owner.setText(stored.owner)
            self.narrative.setPlainText(stored.narrative)
            self.justification.setPlainText(stored.justification)
            self.interval.setValue(stored.review_interval_months or 0)
            self.last_reviewed.set_value(stored.last_reviewed_on)
            self.next_review.set_value(stored.next_review_on)
            self.signed_off_by.setText(stored.signed_off_by)
        finally:
            self._loading = False
        self.message.clear_message()
        self._show_applicability()
        self._status_changed()
        updated = ""
        if stored.updated_at is not None:
            updated = f"Last saved {stored.updated_at.astimezone():%d %b %Y %H:%M}"
            if stored.updated_by:
                updated += f" by {stored.updated_by}"
        if stored.signed_off_by and stored.signed_off_on:
            updated += f"; signed off {stored.signed_off_on:%d %b %Y}"
        self.updated.setText(updated)
        self._show_writable(details.ref)
        self._update_buttons()

    def refusal(self) -> str:
        """Why the user may not change the statement shown ("" when they may, or without users)."""
        if self.ctx is None or self.details is None:
            return ""
        return self.ctx.workspace.access.statement_refusal(self.details.ref)

    def _show_writable(self, ref: str) -> None:
        refusal = self.refusal()
        self.read_only_note.setText(f"Read only: {refusal}." if refusal else "")
        self.read_only_note.setAccessibleName(self.read_only_note.text())
        self.read_only_note.setVisible(bool(refusal))
        for edit in (self.owner, self.narrative, self.justification, self.signed_off_by):
            edit.setReadOnly(bool(refusal))
        for date_field in (self.last_reviewed, self.next_review):
            date_field.edit.setReadOnly(bool(refusal))
        self.status.setEnabled(not refusal)
        self.interval.setEnabled(not refusal)

    def _show_applicability(self) -> None:
        d = self.details
        if d is None:
            return
        profile = d.by_profile
        if not profile.applicable and d.applicability.applicable:
            text = f"Applies by override of the service profile ({profile.reason})."
        elif not profile.applicable:
            text = f"Not applicable: {profile.reason}. To assess it anyway, choose a status and give a justification."
        elif not d.applicability.applicable:
            text = "Marked not applicable by the service (justification below)."
        else:
            text = "Applies to this service."
        self.applicability.setText(text)
        self.applicability.setAccessibleName(f"Applicability: {text}")

    def _status_changed(self) -> None:
        d = self.details
        status = self.status.currentData()
        excluded = d is not None and not d.by_profile.applicable
        self.justification.setEnabled(status == "not_applicable" or excluded)
        if excluded and status != "not_applicable":
            hint = "required to assess a statement the service profile excludes"
        elif excluded:
            hint = "optional: the service profile already says why"
        elif status == "not_applicable":
            hint = "required: why the statement does not apply (reviewers check this)"
        else:
            hint = "only for not applicable"
        self.justification.setPlaceholderText(hint.capitalize())
        self.justification.setToolTip(f"Justification: {hint}")

    def _date_problem(self, message: str) -> None:
        if message:
            self.message.show_message(message, "error")
        elif not any(field.has_problem() for field in (self.last_reviewed, self.next_review)):
            self.message.clear_message()

    def _edited(self) -> None:
        if not self._loading:
            if self.message.kind == "info":
                self.message.clear_message()
            self._update_buttons()

    def _update_buttons(self) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(self.details is not None and not self.refusal())
        self.revert_button.setEnabled(dirty)

    # -- saving -----------------------------------------------------------------------------------

    def _changed(self) -> dict[str, bool]:
        if self.details is None:
            return {}
        stored = self.details.assessment
        return {
            "status": self.status.currentData() != self.details.status,
            "owner": self.owner.text().strip() != stored.owner,
            "narrative": self.narrative.toPlainText().strip() != stored.narrative,
            "justification": self.justification.toPlainText().strip() != stored.justification,
            "interval": self.interval.value() != (stored.review_interval_months or 0),
            "last_reviewed": self.last_reviewed.value() != stored.last_reviewed_on,
            "next_review": self.next_review.value() != stored.next_review_on,
            "signed_off_by": self.signed_off_by.text().strip() != stored.signed_off_by,
        }

    def is_dirty(self) -> bool:
        return any(self._changed().values())

    def change(self) -> AssessmentChange:
        """What the user changed, as an :class:`AssessmentChange` (None for anything left alone)."""
        d = self.details
        assert d is not None
        changed = self._changed()
        cleared = {  # emptied by the user: "none" for a date, 0 months for the interval
            name
            for name, key, empty in (
                ("review_interval_months", "interval", self.interval.value() == 0),
                ("last_reviewed_on", "last_reviewed", self.last_reviewed.value() is None),
                ("next_review_on", "next_review", self.next_review.value() is None),
            )
            if changed[key] and empty
        }
        return AssessmentChange(
            status=self.status.currentData() if changed["status"] or changed["justification"] else None,
            owner=self.owner.text() if changed["owner"] else None,
            narrative=self.narrative.toPlainText() if changed["narrative"] else None,
            justification=self.justification.toPlainText() if self.justification.isEnabled() else "",
            review_interval_months=self.interval.value() if changed["interval"] and self.interval.value() else None,
            reviewed_on=self.last_reviewed.value() if changed["last_reviewed"] else None,
            next_review_on=self.next_review.value() if changed["next_review"] else None,
            signed_off_by=self.signed_off_by.text() if changed["signed_off_by"] else None,
            clear=frozenset(cleared),
        )

    def save(self) -> bool:
        """Save through ``assess``; on a UserError show it inline and save nothing. True if saved."""
        if self.ctx is None or self.details is None:
            return False
        for field in (self.last_reviewed, self.next_review):
            if not field.commit():  # it said why in the message line
                field.setFocus(Qt.FocusReason.OtherFocusReason)
                return False
        return self._save(self.change(), self.details.assessment.row_version)

    def _save(self, change: AssessmentChange, expected_version: int, note: str = "") -> bool:
        assert self.ctx is not None and self.details is not None
        ref = self.details.ref
        try:
            assess(
                self.ctx.workspace,
                self.ctx.app,
                ref,
                change,
                actor=self.ctx.actor,
                expected_version=expected_version,
                my_narrative=self.narrative.toPlainText(),
                note=note,
            )
        except AssessmentConflict as conflict:
            return self.resolve_conflict(conflict)
        except ACTIONABLE_ERRORS as exc:
            message = error_message(exc)
            self.message.show_message(f"Not saved: {message}", "error")
            self._focus_field_named_in(message)
            return False
        self.load(statement_details(self.ctx.workspace, self.ctx.app, ref))
        self.message.show_message(f"Saved {ref} at {datetime.now():%H:%M}.", "info")
        self.saved.emit(ref)
        return True

    def resolve_conflict(self, conflict: AssessmentConflict) -> bool:
        """Someone saved the statement since it was loaded: show both texts and do what the user chooses.
        True when what the form shows is saved (theirs kept, or mine saved over theirs)."""
        assert self.ctx is not None and self.details is not None
        theirs = conflict.theirs
        who = theirs.updated_by or "someone else"
        dialog = ConflictDialog(conflict, self.window())
        self.last_conflict_dialog = dialog
        dialog.exec()
        ref = conflict.ref
        if dialog.choice == ConflictDialog.KEEP_THEIRS:
            self.load(statement_details(self.ctx.workspace, self.ctx.app, ref))
            self.message.show_message(f"Kept {who}'s version of {ref}; your changes were dropped.", "info")
            self.saved.emit(ref)
            return True
        if dialog.choice == ConflictDialog.KEEP_MINE:
            change = self.change()
            change.narrative = self.narrative.toPlainText()  # the text the user saw as "yours"
            when = f"{theirs.updated_at.astimezone():%d %b %Y %H:%M}" if theirs.updated_at else "unknown time"
            return self._save(change, theirs.row_version, note=f"saved over {who}'s version of {when}")
        if dialog.choice == ConflictDialog.MERGE:
            merged = f"{theirs.narrative}\n\n--- Your text (not saved yet) ---\n{conflict.my_narrative}".strip()
            self.rebase(statement_details(self.ctx.workspace, self.ctx.app, ref), narrative=merged)
            self.message.show_message(
                f"Both texts are in the narrative: {who}'s first, then yours. Edit it into one, then Save.", "info"
            )
            self.narrative.setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        self.message.show_message(f"Not saved: {conflict}", "error")
        return False

    def rebase(self, details: StatementDetails, *, narrative: str | None = None) -> None:
        """Load ``details`` (the version stored now) and put back what the user had changed on top of it."""
        changed = self._changed()
        kept = {name: value for name, value in self._values().items() if changed.get(name)}
        self.load(details)
        self._loading = True
        try:
            if "status" in kept:
                self.status.setCurrentIndex(max(self.status.findData(kept["status"]), 0))
            for name, field in (("owner", self.owner), ("signed_off_by", self.signed_off_by)):
                if name in kept:
                    field.setText(kept[name])
            for name, edit in (("narrative", self.narrative), ("justification", self.justification)):
                if name in kept:
                    edit.setPlainText(kept[name])
            if "interval" in kept:
                self.interval.setValue(kept["interval"])
            for name, date_field in (("last_reviewed", self.last_reviewed), ("next_review", self.next_review)):
                if name in kept:
                    date_field.set_value(kept[name])
            if narrative is not None:
                self.narrative.setPlainText(narrative)
        finally:
            self._loading = False
        self._status_changed()
        self._update_buttons()

    def _values(self) -> dict[str, object]:
        return {
            "status": self.status.currentData(),
            "owner": self.owner.text(),
            "narrative": self.narrative.toPlainText(),
            "justification": self.justification.toPlainText(),
            "interval": self.interval.value(),
            "last_reviewed": self.last_reviewed.value(),
            "next_review": self.next_review.value(),
            "signed_off_by": self.signed_off_by.text(),
        }

    def _focus_field_named_in(self, message: str) -> None:
        """Give the focus to the field a message is about (justification, narrative, owner...)."""
        fields = (
            ("justification", self.justification),
            ("narrative", self.narrative),
            ("owner", self.owner),
            ("sign-off", self.signed_off_by),
            ("review interval", self.interval),
        )
        for word, field in fields:
            if word in message.lower() and field.isEnabled():
                field.setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def revert(self) -> None:
        if self.details is not None:
            self.load(self.details)


# -- the view -------------------------------------------------------------------------------------------


class StatementView(QWidget):
    """Heading (section, reference and name, status badge) over tabs: assessment, evidence, actions."""

    saved = Signal(str)  # assessment saved for this reference
    changed = Signal(str)  # evidence or actions changed for this reference
    go_to_statement = Signal(str)  # the user asked to see another statement (evidence: where used)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx: GuiContext | None = None
        self.statement: Statement | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)

        self.section_caption = QLabel()
        self.section_caption.setObjectName("section-caption")
        self.title = QLabel("Choose a quality statement on the left")
        self.title.setObjectName("statement-title")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.badge = QLabel()
        self.badge.setTextFormat(Qt.TextFormat.RichText)
        self.badge.setObjectName("status-badge")
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.section_caption)
        layout.addLayout(head)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Statement details")
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)

        self.text = QTextBrowser()
        self.text.setObjectName("statement-text")
        self.text.setAccessibleName("Text of the quality statement")
        self.text.setOpenExternalLinks(True)
        self.text.document().setDefaultStyleSheet(TEXT_CSS)
        self.form = AssessmentForm()
        form_scroll = QScrollArea()
        form_scroll.setWidget(self.form)
        form_scroll.setWidgetResizable(True)
        form_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        form_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # its fields take the focus (and scroll into view)
        form_scroll.setAccessibleName("Assessment form")
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.text)
        self.splitter.addWidget(form_scroll)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setChildrenCollapsible(False)
        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 4, 0, 0)
        page_layout.addWidget(self.splitter, 1)
        page_layout.addWidget(self.form.footer)
        self.tabs.addTab(page, "&Assessment")

        self.evidence = EvidencePane()
        self.tabs.addTab(self.evidence, "Ev&idence")
        self.actions = ActionsPane()
        self.tabs.addTab(self.actions, "A&ctions")

        self.form.saved.connect(self._saved)
        self.evidence.changed.connect(self._changed)
        self.evidence.go_to_statement.connect(self.go_to_statement)
        self.actions.changed.connect(self._changed)
        self.setEnabled(False)

    def set_context(self, ctx: GuiContext) -> None:
        self.ctx = ctx
        self.form.set_context(ctx)
        self.evidence.set_context(ctx)
        self.actions.set_context(ctx)

    @property
    def ref(self) -> str:
        return self.statement.ref if self.statement else ""

    def show_statement(self, ref: str) -> None:
        if self.ctx is None:
            return
        statement = self.ctx.app.statement(ref)
        section = self.ctx.app.catalogue.section_of(statement)
        self.statement = statement
        self._show_heading(statement, section)
        self.text.setHtml(statement_html(statement))
        self.reload()
        self.setEnabled(True)

    def reload(self, *, keep_edits: bool = False) -> None:
        """Read the statement's assessment, evidence and actions again from the workspace.

        ``keep_edits``: unsaved changes in the form stay as typed (the form keeps the version it
        loaded, so saving over a colleague's newer one shows both texts)."""
        if self.ctx is None or self.statement is None:
            return
        details = statement_details(self.ctx.workspace, self.ctx.app, self.statement.ref)
        if keep_edits and self.has_unsaved_changes():
            if details.assessment.row_version != self.form.details.assessment.row_version:
                self.form.message.show_message(
                    f"{details.ref} was changed by {details.assessment.updated_by or 'someone else'} meanwhile. "
                    "Your unsaved changes are kept; Save shows both versions to choose from.",
                    "error",
                )
        else:
            self.form.load(details)
        self.evidence.show_items(details.ref, details.evidence)
        self.actions.show_items(details.ref, details.actions)
        writable = not self.form.refusal()  # read-only for a role that may not change the statement
        for button in (self.evidence.add_file_button, self.evidence.add_link_button, self.actions.add_button):
            button.setEnabled(writable)
        self.tabs.setTabText(1, f"Ev&idence ({len(details.evidence)})")
        open_actions = sum(1 for a in details.actions if a.is_open)
        self.tabs.setTabText(2, f"A&ctions ({open_actions} open)" if details.actions else "A&ctions")
        self._show_badge(details.status)

    def _show_heading(self, statement: Statement, section: Section) -> None:
        self.section_caption.setText(section.label)
        self.title.setText(f"{statement.ref} {statement.name}")
        self.title.setAccessibleName(f"Quality statement {statement.ref} {statement.name}")

    def _show_badge(self, status: str) -> None:
        label = status_label(status)
        self.badge.setText(badge_html(status, label))
        self.badge.setAccessibleName(f"Status: {label}")
        details = self.form.details
        if details is not None and status == "not_applicable":
            reason = details.assessment.justification or details.applicability.reason
            self.badge.setToolTip(f"Not applicable: {reason}" if reason else "Not applicable")
        else:
            self.badge.setToolTip(label)

    def _saved(self, ref: str) -> None:
        if self.form.details is not None:
            self._show_badge(self.form.details.status)
        self.saved.emit(ref)

    def _changed(self) -> None:
        self.reload()
        self.changed.emit(self.ref)

    def has_unsaved_changes(self) -> bool:
        return self.form.details is not None and self.form.is_dirty()
