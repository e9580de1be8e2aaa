"""WCAG 2.2 AA checks of the shell: mnemonics without clashes, the Tab chain of the main window and every
dialog (no trap, every focusable control reached, each with a name screen readers read), visible
focus, contrast of the status colours, and messages in the window's words."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QTabBar,
    QWidget,
)

from qsi_desktop.colours import STATUS_BADGE
from qsi_desktop.export.check import Finding
from qsi_desktop.gui.checklist_panel import EvidenceChooser
from qsi_desktop.gui.compare_view import CompareDialog
from qsi_desktop.gui.dialogs import (
    ActionDialog,
    ConflictDialog,
    EvidenceDialog,
    ImportDialog,
    ImportSummaryDialog,
    NewWorkspaceDialog,
    ProfileDialog,
)
from qsi_desktop.gui.evidence_details import FileDetailsDialog
from qsi_desktop.gui.evidence_library import LinkDialog, WhereUsedDialog
from qsi_desktop.gui.export_dialog import ExportDialog, PreExportCheckDialog, pack_sections
from qsi_desktop.gui.main_window import MainWindow
from qsi_desktop.gui.panels import pages, show_page
from qsi_desktop.gui.tracker_wizard import TrackerWizard
from qsi_desktop.gui.tree_wizard import TreeImportWizard
from qsi_desktop.gui.workers import error_message, gui_text
from qsi_desktop.services import evidence
from qsi_desktop.services.applies import applicable_importers
from qsi_desktop.services.assessments import AssessmentChange, AssessmentConflict
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.importing import ImportSummary
from qsi_desktop.services.profile import profile_dict
from qsi_desktop.services.records import AssessmentRecord

pytestmark = pytest.mark.gui

_MNEMONIC = re.compile(r"(?<!&)&([^&\s])")


def _letter(text: str) -> str | None:
    match = _MNEMONIC.search(text.replace("&&", ""))
    return match.group(1).upper() if match else None


def _visible_mnemonics(root: QWidget) -> list[tuple[str, str]]:
    """(letter, what) for every mnemonic Alt+letter can reach in ``root`` as it is shown now."""
    found: list[tuple[str, str]] = []
    if isinstance(root, QMainWindow):
        found += [(_letter(a.text()), f"menu {a.text()}") for a in root.menuBar().actions() if _letter(a.text())]
    for widget in root.findChildren(QWidget):
        if not widget.isVisible() or widget.window() is not root:
            continue
        if isinstance(widget, QLabel) and widget.buddy() is not None and _letter(widget.text()):
            found.append((_letter(widget.text()), f"label {widget.text()}"))
        elif isinstance(widget, QAbstractButton) and _letter(widget.text()):
            found.append((_letter(widget.text()), f"button {widget.text()}"))
        elif isinstance(widget, QTabBar):
            found += [(_letter(widget.tabText(i)), f"tab {widget.tabText(i)}") for i in range(widget.count())]
    return [(letter, what) for letter, what in found if letter]


def _assert_no_clash(root: QWidget, where: str) -> None:
    found = _visible_mnemonics(root)
    counts = Counter(letter for letter, _ in found)
    clashes = {letter: [what for ltr, what in found if ltr == letter] for letter, n in counts.items() if n > 1}
    assert not clashes, f"{where}: Alt+letter clashes {clashes}"


def _menus(window: MainWindow) -> list[QMenu]:
    menus = [a.menu() for a in window.menuBar().actions() if a.menu()]
    return menus + [a.menu() for m in menus for a in m.actions() if a.menu()]


def test_no_mnemonic_clashes_in_the_main_window(window: MainWindow, qtbot) -> None:
    window.select_ref("XR-501")
    window.recent_menu.aboutToShow.emit()
    for menu in _menus(window):
        letters = [_letter(a.text()) for a in menu.actions() if _letter(a.text())]
        assert len(letters) == len(set(letters)), f"menu {menu.title()}: {letters}"
    for main in range(window.main_tabs.count()):
        window.main_tabs.setCurrentIndex(main)
        if window.main_tabs.currentWidget() is window.modalities:
            for place in pages(window.modalities):
                show_page(window.modalities, place)
                _assert_no_clash(window, f"Modalities, {place}")
            continue
        for page in range(window.view.tabs.count()):
            window.view.tabs.setCurrentIndex(page)
            _assert_no_clash(window, f"{window.main_tabs.tabText(main)}, {window.view.tabs.tabText(page)}")


def test_the_keys_the_issue_names(window: MainWindow) -> None:
    letters = {what: letter for letter, what in _visible_mnemonics(window)}
    assert letters["menu &View"] == "V" and letters["menu &File"] == "F"
    window.view.tabs.setCurrentWidget(window.view.evidence)
    found = dict((what, letter) for letter, what in _visible_mnemonics(window))
    assert found["button A&dd file…"] == "D"
    window.view.tabs.setCurrentWidget(window.view.actions)
    found = dict((what, letter) for letter, what in _visible_mnemonics(window))
    assert "A" not in {letter for what, letter in found.items() if what.startswith("button")}  # &Assessment's


# -- the dialogs --------------------------------------------------------------------------------------


def _dialogs(window: MainWindow, tmp_path: Path) -> dict[str, Callable[[], QDialog]]:
    app, ws = window.app, window.workspace
    document = tmp_path / "Radiation protection policy.docx"
    document.write_bytes(b"policy")
    window.select_ref("XR-501")
    items = list(window.view.evidence.items)
    return {
        "new workspace": lambda: NewWorkspaceDialog(app, window),
        "service profile": lambda: ProfileDialog(app, profile_dict(ws), window),
        "evidence link": lambda: EvidenceDialog(app, "XR-501", window, link=True),
        "evidence file": lambda: EvidenceDialog(app, "XR-501", window, file=document),
        "new version": lambda: EvidenceDialog(app, "XR-501", window, file=document, previous=items[0]),
        "action": lambda: ActionDialog("XR-501", window),
        "import": lambda: ImportDialog(applicable_importers(ws, app), window),
        "export": lambda: ExportDialog(
            pack_sections(ws, app), pack_path=tmp_path / "p.docx", author="t", parent=window
        ),
        "link evidence": lambda: EvidenceChooser(items, ["XR-501"], item_text="Local rules", parent=window),
        "import summary": lambda: ImportSummaryDialog(ImportSummary("us-decontamination", files=1), "Log", window),
        "before you export": lambda: PreExportCheckDialog([Finding("not-started", "XR-601", "not started")], window),
        "edit evidence": lambda: EvidenceDialog(app, "", window, editing=items[0]),
        "link to statements": lambda: LinkDialog(window.ctx, items[0], window),
        "where used": lambda: WhereUsedDialog(evidence.where_used(ws, app, items[0].id), window.ctx, window),
        "import tracker": lambda: TrackerWizard(window.ctx, window),
        "compare with submission": lambda: CompareDialog(window.ctx, window),
        "file details": lambda: FileDetailsDialog([document, tmp_path / "Local rules.pdf"], "XR-501", window),
        "import evidence folder": lambda: TreeImportWizard(window.ctx, window),
        "conflict": lambda: ConflictDialog(
            AssessmentConflict("XR-501", AssessmentRecord("XR-501", narrative="Theirs"), AssessmentChange(), "Mine"),
            window,
        ),
    }


def test_no_mnemonic_clashes_in_the_dialogs(window: MainWindow, tmp_path: Path, qtbot) -> None:
    for name, make in _dialogs(window, tmp_path).items():
        dialog = make()
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        _assert_no_clash(dialog, name)
        dialog.reject()


# -- the focus chain ------------------------------------------------------------------------------------


def _name(widget: QWidget) -> str:
    """The name UI Automation and AT-SPI read (Qt takes a label's text for its buddy)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name) if interface is not None else ""


def _tab_stops(root: QWidget) -> set[QWidget]:
    return {
        w
        for w in root.findChildren(QWidget)
        if w.window() is root
        and w.isVisible()
        and w.isEnabled()
        and w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and w.focusProxy() is None
    }


def _walk(qtbot, start: QWidget, limit: int = 150) -> list[QWidget]:
    """Press Tab from ``start`` until the focus comes back to it; fails on a trap."""
    start.window().activateWindow()
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start)
    chain, stuck = [start], 0
    for _ in range(limit):
        before = QApplication.focusWidget()
        qtbot.keyClick(before, Qt.Key.Key_Tab)
        now = QApplication.focusWidget()
        if now is start:
            return chain
        if now is before:  # e.g. links inside the statement's text take Tab first
            stuck += 1
            assert stuck < 30, f"Tab is trapped in {type(now).__name__} {_name(now)!r}"
            continue
        stuck = 0
        assert now not in chain, f"Tab goes round without coming back: trapped after {_name(now)!r}"
        chain.append(now)
    raise AssertionError("Tab never came back to where it started")


def _check_chain(qtbot, root: QWidget, start: QWidget, where: str) -> None:
    chain = _walk(qtbot, start)
    missed = [f"{type(w).__name__} {_name(w)!r}" for w in _tab_stops(root) - set(chain)]
    assert not missed, f"{where}: Tab never reaches {missed}"
    unnamed = [type(w).__name__ for w in chain if not _name(w).strip()]
    assert not unnamed, f"{where}: controls without a name: {unnamed}"


def test_the_main_windows_focus_chain(window: MainWindow, qtbot) -> None:
    window.select_ref("XR-501")
    for page in range(window.view.tabs.count()):
        window.view.tabs.setCurrentIndex(page)
        _check_chain(qtbot, window, window.filter_text, f"main window, {window.view.tabs.tabText(page)}")
    order = _walk(qtbot, window.filter_text)
    assert order.index(window.status_filter) < order.index(window.tree)  # the logical order: left, then right
    window.main_tabs.setCurrentWidget(window.modalities)
    _check_chain(qtbot, window, window.main_tabs.tabBar(), "main window, Modalities")


def test_each_dialogs_focus_chain(window: MainWindow, tmp_path: Path, qtbot) -> None:
    for name, make in _dialogs(window, tmp_path).items():
        dialog = make()
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        first = dialog.nextInFocusChain()
        while not (first.focusPolicy() & Qt.FocusPolicy.TabFocus and first.isVisible() and first.isEnabled()):
            first = first.nextInFocusChain()
        _check_chain(qtbot, dialog, first, name)
        dialog.reject()


def test_focus_is_visible(window: MainWindow, qtbot) -> None:
    window.select_ref("XR-501")
    window.view.form.owner.setText("changed")  # Revert enabled: it is in the chain too
    try:
        for page in range(window.view.tabs.count()):
            window.view.tabs.setCurrentIndex(page)
            for widget in _walk(qtbot, window.filter_text)[1:]:
                widget.setFocus(Qt.FocusReason.TabFocusReason)
                qtbot.waitUntil(widget.hasFocus)
                focused = widget.grab().toImage()
                window.filter_text.setFocus(Qt.FocusReason.TabFocusReason)
                qtbot.waitUntil(lambda w=widget: not w.hasFocus())
                what = f"{type(widget).__name__} {_name(widget)!r}"
                assert widget.grab().toImage() != focused, f"no visible focus on {what}"
    finally:
        window.view.form.revert()


# -- colour and words ------------------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_of_the_status_badges() -> None:
    assert round(contrast("#ffffff", "#000000"), 1) == 21.0
    for status, (background, text) in STATUS_BADGE.items():
        assert contrast(background, text) >= 4.5, status


def test_status_is_never_shown_by_colour_alone(window: MainWindow) -> None:
    overdue = window.state.overdue_reviews[0]
    review = window.model.index_for_ref(overdue).siblingAtColumn(3)
    assert review.data(Qt.ItemDataRole.AccessibleTextRole).endswith(", review overdue")
    window.select_ref("XR-501")
    assert "Met" in window.view.badge.text() and window.view.badge.accessibleName() == "Status: Met"
    index = window.model.index_for_ref("XR-501")
    assert window.model.itemFromIndex(index.siblingAtColumn(1)).text() == "Met"


def test_messages_speak_the_windows_language(window: MainWindow, qtbot) -> None:
    assert gui_text("XR-601: 'not applicable' needs a justification (--justification \"...\")") == (
        "XR-601: 'not applicable' needs a justification"
    )
    assert error_message(UserError("name at least one quality statement for the evidence (--qs XR-101[,XR-102])")) == (
        "name at least one quality statement for the evidence"
    )
    assert error_message(UserError("unknown quality statement 'XR-999'; 'qsi standards' lists them")) == (
        "unknown quality statement 'XR-999'"
    )
    window.select_ref("XR-601")
    form = window.view.form
    form.status.setCurrentIndex(form.status.findData("not_applicable"))
    form.owner.setFocus()
    assert not form.save()
    assert "--" not in form.message.text() and "justification" in form.message.text()
    assert QApplication.focusWidget() is form.justification  # the field that needs attention
    form.revert()
