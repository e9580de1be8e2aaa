"""Small widgets shared by the form and the dialogs."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QDateEdit, QLabel, QWidget

_NONE = QDate(2000, 1, 1)  # the minimum date stands for "no date" and is shown as "none"


class OptionalDateEdit(QDateEdit):
    """A date or none. Shows "none" for no date; T sets today, Delete clears, the popup opens at today."""

    def __init__(self, parent: QWidget | None = None, *, accessible_name: str = "") -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("d MMM yyyy")
        self.setMinimumDate(_NONE)
        self.setMaximumDate(QDate(2100, 12, 31))
        self.setSpecialValueText("none")
        self.setDate(_NONE)
        self.setToolTip("Type a date, or press T for today and Delete for none")
        if accessible_name:
            self.setAccessibleName(accessible_name)

    def value(self) -> date | None:
        qdate = self.date()
        return None if qdate == _NONE else date(qdate.year(), qdate.month(), qdate.day())

    def set_value(self, value: date | None) -> None:
        self.setDate(_NONE if value is None else QDate(value.year, value.month, value.day))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_T and not event.modifiers():
            self.set_value(date.today())
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and (
            self.value() is None or self.lineEdit().selectedText() == self.lineEdit().text()
        ):
            self.set_value(None)
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        if self.value() is None:  # open the calendar at this month, not at the "none" date
            today = QDate.currentDate()
            self.calendarWidget().setCurrentPage(today.year(), today.month())


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
