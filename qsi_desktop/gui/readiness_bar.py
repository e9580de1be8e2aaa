"""The summary across the top of the window: readiness, statuses, overdue reviews and actions."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from qsi_desktop.gui.style import TEXT_OVERDUE, status_icon
from qsi_desktop.services.readiness_state import Readiness
from qsi_desktop.statuses import status_label

SUMMARY_ORDER = ("met", "partially_met", "not_met", "in_progress", "not_started", "not_applicable")


class ReadinessSummary(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("summary")
        self.setAccessibleName("Readiness summary")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(18)

        left = QVBoxLayout()
        left.setSpacing(4)
        self.service = QLabel()
        self.service.setObjectName("service-name")
        self.service.setTextFormat(Qt.TextFormat.PlainText)
        self.bar = QProgressBar()
        self.bar.setObjectName("readiness-bar")
        self.bar.setRange(0, 1000)
        self.bar.setMinimumWidth(260)
        self.bar.setAccessibleName("Readiness")
        self.bar.setToolTip("Share of applicable statements met (partially met counts half)")
        left.addWidget(self.service)
        left.addWidget(self.bar)
        layout.addLayout(left, 2)

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(2)
        self.counts: dict[str, QLabel] = {}
        for position, status in enumerate(SUMMARY_ORDER):
            icon = QLabel()
            icon.setPixmap(status_icon(status).pixmap(12, 12))
            label = QLabel()
            label.setObjectName(f"count-{status}")
            self.counts[status] = label
            row, column = divmod(position, 3)
            cell = QHBoxLayout()
            cell.setSpacing(4)
            cell.addWidget(icon)
            cell.addWidget(label)
            cell.addStretch(1)
            grid.addLayout(cell, row, column)
        layout.addLayout(grid, 3)

        right = QVBoxLayout()
        right.setSpacing(2)
        self.reviews = QLabel()
        self.reviews.setObjectName("overdue-reviews")
        self.evidence = QLabel()
        self.evidence.setObjectName("evidence-summary")
        self.actions = QLabel()
        self.actions.setObjectName("actions-summary")
        for label in (self.reviews, self.evidence, self.actions):
            label.setTextFormat(Qt.TextFormat.RichText)
            right.addWidget(label)
        layout.addLayout(right, 2)

    def show_readiness(self, state: Readiness) -> None:
        self.service.setText(state.service)
        self.bar.setValue(round(state.readiness_percent * 10))
        self.bar.setFormat(f"Readiness {state.readiness_percent:.1f}%")
        applicable = sum(1 for s in state.statements if s.applicable)
        self.bar.setAccessibleDescription(
            f"Readiness {state.readiness_percent:.1f} percent; {applicable} of {len(state.statements)} statements apply"
        )
        for status, label in self.counts.items():
            label.setText(f"{status_label(status)} <b>{state.counts.get(status, 0)}</b>")
            label.setAccessibleName(f"{status_label(status)}: {state.counts.get(status, 0)}")

        def warn(count: int, text: str) -> str:
            return f'<span style="color:{TEXT_OVERDUE}; font-weight:bold;">{text}</span>' if count else text

        overdue = len(state.overdue_reviews)
        lines = (
            (self.reviews, f"Reviews overdue: {overdue}", "", overdue),
            (
                self.evidence,
                f"Evidence: {state.evidence_total}",
                f"({state.evidence_review_overdue} past review)",
                state.evidence_review_overdue,
            ),
            (
                self.actions,
                f"Actions open: {state.actions_open}",
                f"({state.actions_overdue} overdue)",
                state.actions_overdue,
            ),
        )
        for label, text, detail, alarm in lines:
            alarm_html = f'<span style="color:{TEXT_OVERDUE}; font-weight:bold;">{{}}</span>'
            if detail:
                shown = html.escape(text) + " " + (alarm_html.format(html.escape(detail)) if alarm else detail)
            else:
                shown = alarm_html.format(html.escape(text)) if alarm else html.escape(text)
            label.setText(shown)
            label.setAccessibleName(f"{text} {detail}".strip())
        self.reviews.setToolTip(", ".join(state.overdue_reviews) or "No statement is past its review date")
        self.setToolTip("\n".join(state.warnings[:15]) if state.warnings else "")
