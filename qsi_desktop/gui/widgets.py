"""Small widgets shared by the form and the dialogs."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from qsi_desktop.tabular import parse_date

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DATE_EXAMPLES = "15/11/2026, 15 Nov 2026 or 2026-11-15"


def show_date(value: date) -> str:
    """``15 Nov 2026``: what the field shows once a date is read (English months whatever the locale)."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


class OptionalDateEdit(QWidget):
    """A date or none: a text field that reads UK dates as typed, with a calendar beside it.

    Empty means no date (shown as "none"). Typed dates are read day-first (``15/11/2026``,
    ``15 Nov 2026``, ``2026-11-15``: :func:`qsi_desktop.tabular.parse_date`) when the field is
    left or Enter is pressed; one that cannot be read is reported through :attr:`problem` and Tab
    stays in the field until it is corrected or cleared. T in an empty field sets today; F4 or
    Alt+Down opens the calendar. :attr:`dateChanged` carries the new value (a ``date`` or None).
    """

    dateChanged = Signal(object)
    problem = Signal(str)  # a message for the form's message line ("" when the problem is gone)

    def __init__(self, parent: QWidget | None = None, *, accessible_name: str = "") -> None:
        super().__init__(parent)
        self._value: date | None = None
        self._problem = ""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.edit = QLineEdit()
        self.edit.setObjectName("date-text")
        self.edit.setPlaceholderText("none")
        self.edit.setMaximumWidth(150)
        self.edit.setToolTip(f"Type a date ({DATE_EXAMPLES}); T for today; empty for none; F4 for a calendar")
        self.edit.editingFinished.connect(self.commit)
        self.edit.installEventFilter(self)
        self.button = QToolButton()
        self.button.setText("▾")
        self.button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # F4 or Alt+Down from the field opens it
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(True)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        menu = QMenu(self.button)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        menu.aboutToShow.connect(self._calendar_opens)
        self.button.setMenu(menu)
        layout.addWidget(self.edit)
        layout.addWidget(self.button)
        layout.addStretch(1)
        self.setFocusProxy(self.edit)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(accessible_name)

    # -- the value --------------------------------------------------------------------------------

    def value(self) -> date | None:
        """The date last read from the field (or set); None for none."""
        return self._value

    def set_value(self, value: date | None) -> None:
        self.edit.setText(show_date(value) if value is not None else "")
        self._set_problem("")
        self._store(value)

    def text(self) -> str:
        return self.edit.text()

    def has_problem(self) -> bool:
        return bool(self._problem)

    def problem_text(self) -> str:
        """Why what was typed is not a date ("" when it is fine)."""
        return self._problem

    def commit(self) -> bool:
        """Read what was typed; False (and :attr:`problem` said why) if it is not a date."""
        text = self.edit.text().strip()
        if not text:
            self._set_problem("")
            self._store(None)
            return True
        try:
            value = parse_date(text)
        except ValueError:
            name = self.accessibleName() or "Date"
            self._set_problem(f"{name}: {text[:40]!r} is not a date. Type it as {DATE_EXAMPLES}, or leave it empty.")
            return False
        if not date(1900, 1, 1) <= value <= date(2100, 12, 31):
            self._set_problem(f"{self.accessibleName() or 'Date'}: {value:%Y} is out of range.")
            return False
        self.set_value(value)
        return True

    def setAccessibleName(self, name: str) -> None:
        super().setAccessibleName(name)
        self.edit.setAccessibleName(name)
        self.button.setAccessibleName(f"Choose {name.lower() or 'a date'} from a calendar")

    def _store(self, value: date | None) -> None:
        if value != self._value:
            self._value = value
            self.dateChanged.emit(value)

    def _set_problem(self, message: str) -> None:
        if message == self._problem:
            return
        self._problem = message
        self.edit.setProperty("invalid", bool(message))
        self.edit.setAccessibleDescription(message)
        self.edit.style().unpolish(self.edit)
        self.edit.style().polish(self.edit)
        self.problem.emit(message)

    # -- keyboard and calendar ----------------------------------------------------------------------

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab leaves the field, unless what was typed is not a date: then it stays and says so."""
        if self.edit.hasFocus() and not self.commit():
            self.edit.selectAll()
            return True
        return super().focusNextPrevChild(next)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key, mods = event.key(), event.modifiers()
            if key == Qt.Key.Key_T and not mods and not self.edit.text():
                self.set_value(date.today())
                return True
            if key == Qt.Key.Key_F4 or (key == Qt.Key.Key_Down and mods & Qt.KeyboardModifier.AltModifier):
                self.button.showMenu()
                return True
        return super().eventFilter(watched, event)

    def _calendar_opens(self) -> None:
        shown = self._value or date.today()
        self.calendar.setSelectedDate(QDate(shown.year, shown.month, shown.day))
        self.calendar.setFocus()

    def _picked(self, qdate: QDate) -> None:
        self.set_value(date(qdate.year(), qdate.month(), qdate.day()))
        self.button.menu().hide()
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)


class MessageLabel(QLabel):
    """An inline message (error or confirmation) that screen readers can find; hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("form-message")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAccessibleName("Message")
        self.hide()

    def show_message(self, text: str, kind: str = "error") -> None:
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.setText("")
        self.hide()

    @property
    def kind(self) -> str:
        return str(self.property("kind") or "")


class ChangeBar(QFrame):
    """A bar across the top of the window: changes were saved elsewhere; Reload or Dismiss.

    Not a dialog: nothing pops up over the user's typing, and Reload keeps unsaved changes."""

    reload_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("change-bar")
        self.setAccessibleName("Changes saved elsewhere")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        self.text = QLabel()
        self.text.setObjectName("change-bar-text")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.text, 1)
        self.reload_button = QPushButton("Reload (F5)")
        self.reload_button.setAccessibleName("Reload what is shown; unsaved changes are kept")
        self.reload_button.clicked.connect(self.reload_requested)
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setAccessibleName("Dismiss the message about changes saved elsewhere")
        self.dismiss_button.clicked.connect(self.hide)
        layout.addWidget(self.reload_button)
        layout.addWidget(self.dismiss_button)
        self.hide()

    def show_text(self, text: str) -> None:
        self.text.setText(text)
        self.setAccessibleDescription(text)
        self.show()
