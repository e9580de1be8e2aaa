"""The text of a document (docx, xlsx, pdf, txt, csv), bounded, for mapping suggestions.

The readers are the export scan's (``export/scan.py``: python-docx, openpyxl, pypdf, plain text with
its encoding detected), so every document type is read one way. Reading is bounded: files over a size
limit are refused and the text stops at :data:`MAX_CHARS`, which is plenty to say what a document is
about. Problems become one-line :class:`UserError`s naming the file.
"""

from __future__ import annotations

from pathlib import Path, PurePath

from qsi_desktop.export import scan
from qsi_desktop.services.errors import UserError

MAX_FILE_BYTES = scan.MAX_FILE_BYTES
MAX_CHARS = 200_000
SUFFIXES = (".docx", ".xlsx", ".xlsm", ".pdf", ".txt", ".csv")


def document_text(path: Path, name: str | None = None, *, max_chars: int = MAX_CHARS) -> str:
    """The text of ``path`` (its type from ``name``'s extension, default the path's own name)."""
    name = name or path.name
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise UserError(f"{name}: {suffix or 'a file without an extension'} is not read; use {', '.join(SUFFIXES)}")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UserError(f"{name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; its text is not read")
        parts: list[str] = []
        total = 0
        for _, text in scan.texts(path, name):
            parts.append(text)
            total += len(text) + 1
            if total >= max_chars:
                break
    except UserError:
        raise
    except scan.TextNotRead as exc:
        raise UserError(f"{name}: {exc}") from None
    except OSError as exc:
        raise UserError(f"{name}: could not be read ({exc.strerror or type(exc).__name__})") from None
    except Exception as exc:  # parsers of damaged files raise anything
        raise UserError(
            f"{name}: could not be read as {suffix[1:]} ({type(exc).__name__}); damaged or of another type"
        ) from None
    return "\n".join(parts)[:max_chars]
