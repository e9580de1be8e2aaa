"""A modality's summaries tab: its report sections (compliance, audits, outliers, charts) as the pack
will print them, read on a worker when the tab is shown and again after an import or an edit."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from qsi_desktop.gui import workers
from qsi_desktop.gui.context import GuiContext
from qsi_desktop.gui.shown_reader import ShownReader
from qsi_desktop.services.summaries import SectionSummary, modality_summaries

IMAGE_MARGIN = 48  # room for the scroll bar and the document's margins


class SummaryView(ShownReader):
    """The report sections of one modality; ``loaded`` is emitted each time they are shown (tests)."""

    loaded = Signal()

    def __init__(self, ctx: GuiContext, modality: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.modality, self.name = ctx, modality, name
        self.summaries: list[SectionSummary] = []
        self.setObjectName(f"{modality.lower()}-summaries")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.status = QLabel(f"{name}: the summaries the Word pack will print, from the records and registers now.")
        self.status.setWordWrap(True)
        row.addWidget(self.status, 1)
        self.refresh = QPushButton("Read a&gain")
        self.refresh.setToolTip("Draw the summaries again from the workspace")
        self.refresh.clicked.connect(self.reload)
        row.addWidget(self.refresh)
        layout.addLayout(row)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName(f"{name} summaries")
        self.browser.setOpenLinks(False)
        layout.addWidget(self.browser, 1)

    def read(self) -> list[SectionSummary]:
        return modality_summaries(self.ctx.workspace, self.ctx.app, self.modality)

    def reload(self) -> workers.Worker | None:
        worker = super().reload()
        if worker is not None:
            self.status.setText(f"{self.name}: reading the workspace…")
        return worker

    def show_error(self, exc: BaseException) -> None:
        self.status.setText(workers.error_message(exc))

    def show_result(self, result: list[SectionSummary]) -> None:
        self.show_summaries(result)

    def show_summaries(self, summaries: list[SectionSummary]) -> None:
        from qsi_desktop.export.html import blocks_html  # python-docx's formatting: loaded when first shown

        self.summaries = summaries
        document = QTextDocument(self.browser)
        width = max(320, min(self.browser.viewport().width() - IMAGE_MARGIN, 900))
        parts: list[str] = []
        image_count = 0
        for summary in summaries:
            parts.append(f"<h2>{escape(summary.title)}</h2>")
            if summary.error:
                parts.append(f"<p style='color:#d5281b;'>This summary could not be drawn: {escape(summary.error)}</p>")
                continue
            html, images = blocks_html(summary.blocks, image_width=width, first_image=image_count + 1)
            for number, png in enumerate(images, start=image_count + 1):
                document.addResource(
                    QTextDocument.ResourceType.ImageResource, QUrl(f"figure-{number}.png"), _shown_at(png, width)
                )
            image_count += len(images)
            parts.append(html)
        if not summaries:
            parts.append("<p>Nothing to summarise for this service yet.</p>")
        document.setHtml("".join(parts))
        self.browser.setDocument(document)
        count = len(summaries)
        self.status.setText(
            f"{self.name}: {count} summar{'y' if count == 1 else 'ies'}, as the Word pack will print them."
        )
        self.loaded.emit()


def _shown_at(png: bytes, width: int) -> QImage:
    """The chart scaled smoothly to the width it is shown at: the text browser's own scaling of an image
    is the fast kind, which leaves a 1,260-pixel chart's text jagged."""
    image = QImage.fromData(png)
    if image.isNull() or image.width() <= width:
        return image
    return image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
