"""Colours and small painted things shared by the views.

Colours come from the NHS identity palette. Status is never shown by colour alone (WCAG 1.4.1):
every badge carries its label too, and text colours keep a contrast of 4.5:1 or more on white.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from qsi_desktop.colours import (  # noqa: F401  (re-exported: the GUI's modules import them from here)
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_DARK_GREY,
    NHS_GREEN,
    NHS_MID_GREY,
    NHS_ORANGE,
    NHS_PALE_GREY,
    NHS_RED,
    STATUS_BADGE,
    TEXT_MUTED,
    TEXT_OVERDUE,
)

APP_STYLESHEET = f"""
QToolTip {{ color: #212b32; background: #ffffff; border: 1px solid {NHS_MID_GREY}; padding: 4px; }}
QProgressBar#readiness-bar {{
    border: 1px solid {NHS_MID_GREY}; border-radius: 4px; background: {NHS_PALE_GREY};
    text-align: center; color: #212b32; font-weight: bold; min-height: 22px;
}}
QProgressBar#readiness-bar::chunk {{ background: #78be20; border-radius: 3px; }}
QLabel#statement-title {{ font-size: 13pt; font-weight: bold; color: #212b32; }}
QLabel#section-caption {{ color: {TEXT_MUTED}; }}
QLabel#service-name {{ font-size: 12pt; font-weight: bold; color: {NHS_DARK_BLUE}; }}
QLabel#form-message {{ padding: 6px; border-radius: 3px; }}
QLabel#form-message[kind="error"] {{ background: #fbe9e7; color: {TEXT_OVERDUE}; border: 1px solid {NHS_RED}; }}
QLabel#form-message[kind="info"] {{ background: #e6f4ea; color: {NHS_GREEN}; border: 1px solid {NHS_GREEN}; }}
QLabel#read-only-note {{ padding: 6px; border-radius: 3px; background: #fff9c4; border: 1px solid #ffb81c; }}
QPushButton:focus {{
    border: 2px solid {NHS_BLUE}; border-radius: 3px; padding: 3px 12px; background: {NHS_PALE_GREY};
}}
QTextBrowser:focus, QTreeView:focus, QTreeWidget:focus, QTableWidget:focus, QListWidget:focus {{
    border: 2px solid {NHS_BLUE};
}}
QTabBar::tab:focus {{ text-decoration: underline; color: {NHS_DARK_BLUE}; }}
QComboBox:focus {{ border: 2px solid {NHS_BLUE}; border-radius: 3px; padding: 2px 18px 2px 4px; }}
QLineEdit[invalid="true"] {{ border: 2px solid {TEXT_OVERDUE}; }}
QFrame#change-bar {{ background: #fff9c4; border-bottom: 1px solid #ffb81c; }}
QLabel#change-bar-text {{ color: #212b32; }}
QFrame#summary {{ background: #f0f4f5; border-bottom: 1px solid #d8dde0; }}
"""


def badge_html(status: str, label: str) -> str:
    background, foreground = STATUS_BADGE.get(status, STATUS_BADGE["not_started"])
    return f'<span style="background:{background}; color:{foreground}; font-weight:bold;">&nbsp;{label}&nbsp;</span>'


@cache
def status_icon(status: str) -> QIcon:
    """A filled circle in the status colour (the label beside it carries the meaning)."""
    colour = QColor(STATUS_BADGE.get(status, STATUS_BADGE["not_started"])[0])
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(colour.darker(130))
    painter.setBrush(colour)
    painter.drawEllipse(2, 2, 12, 12)
    painter.end()
    return QIcon(pixmap)
