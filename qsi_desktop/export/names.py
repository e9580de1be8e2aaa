"""File names an export writes, safe on Windows (the assessors' and most services' desktops).

A name must survive extraction by Windows Explorer: none of ``<>:"/\\|?*`` or control characters,
no trailing dot or space (Windows drops them, so two names could collide), no device name such as
``CON`` or ``com1.txt`` (opening it opens the device), and short enough that the bundle's folders
plus the user's download folder stay within the 260-character path limit of older tools.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePath

_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
# Control and format characters (a right-to-left override can make "exe.pdf" read as "fdp.exe") and
# lone surrogates (undecodable bytes of a file name), which a zip's UTF-8 names cannot hold.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_SPACES = re.compile(r"\s+")
# Windows reserves these whatever the extension; it also treats superscript digits as digits here.
_DEVICE = re.compile(r"(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|(COM|LPT)[1-9¹²³])", re.IGNORECASE)
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}")
FALLBACK_NAME = "untitled"


def safe_file_name(text: str, *, max_length: int = 100) -> str:
    """``text`` as one file name valid on Windows, macOS and Linux; never empty, at most ``max_length``
    characters, the extension kept when it has to be shortened."""
    if max_length < 16:
        raise ValueError("max_length must leave room for a name and its extension")
    name = "".join(_visible(char) for char in unicodedata.normalize("NFC", text))
    name = _SPACES.sub(" ", _FORBIDDEN.sub("_", name)).strip(" .")  # a leading dot hides the file elsewhere
    stem, extension = _split_extension(name)
    stem = stem or FALLBACK_NAME
    if _DEVICE.fullmatch(stem.split(".", 1)[0].rstrip(" ")):
        stem = "_" + stem  # "CON.txt" and "con.tar.gz" open the device too: the part before the first dot counts
    if len(stem) + len(extension) > max_length:
        stem = stem[: max_length - len(extension)].rstrip(" .") or FALLBACK_NAME
    return stem + extension


def _visible(char: str) -> str:
    if char in "\t\n\r\v\f\x85\u2028\u2029":
        return " "
    return "_" if unicodedata.category(char) in _INVISIBLE else char


def evidence_label(evidence_id: int) -> str:
    """How the pack and the bundle name an evidence item: ``E-014`` (three digits at least, so names sort)."""
    if evidence_id < 0:
        raise ValueError(f"an evidence id is not negative: {evidence_id}")
    return f"E-{evidence_id:03d}"


def evidence_file_name(evidence_id: int, title: str, original_name: str) -> str:
    """``E-014 <title>.<ext>``: the label first (unique, and kept when a long title is shortened), the
    extension of the stored file's original name in lower case (it tells Windows which program opens it)."""
    _, extension = _split_extension(PurePath(original_name.replace("\\", "/")).name)
    extension = extension.lower()
    title = title.strip()
    if extension and title.lower().endswith(extension):
        title = title[: -len(extension)]  # "Policy.pdf" as a title is not "Policy.pdf.pdf"
    return safe_file_name(f"{evidence_label(evidence_id)} {title}".rstrip() + extension)


def _split_extension(name: str) -> tuple[str, str]:
    """("report", ".pdf") for "report.pdf"; only a short alphanumeric suffix counts as an extension,
    so a title like "Audit v2.1 final" is not cut at its dot."""
    dot = name.rfind(".")
    if dot > 0 and _EXTENSION.fullmatch(name[dot:]) and not name[dot + 1 :].isdigit():
        return name[:dot], name[dot:]
    return name, ""
