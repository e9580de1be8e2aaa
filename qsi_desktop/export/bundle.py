"""The evidence bundle: one zip with the submission pack, every evidence file, a manifest and a snapshot.

Layout (every name through :mod:`qsi_desktop.export.names`, so it extracts on Windows)::

    <pack>.docx
    evidence/<section>/<statement>/E-014 <title>.<ext>   one copy per statement the item supports
    manifest.json, manifest.csv                          every item: id, title, paths, sha256, statements, url
    snapshot.json                                        the workspace state the pack was written from

Assessors open a statement's folder and expect every document for it there, hence a copy per
statement rather than references. Each file is streamed from the evidence store and hashed as it is
written; a stored file that is missing or no longer matches its hash stops the export, naming the
item, because a bundle must not pass off altered evidence. The zip is written to a temporary file
beside the destination and renamed into place only when complete: an error, a cancel or Ctrl-C
leaves no partial bundle behind.

Evidence files are the user's documents and go in as they are (the scan warns about them first);
everything the bundle writes itself (names, manifest, snapshot) has NHS-number-like text removed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, BinaryIO

from qsi_desktop.errors import QsiError
from qsi_desktop.export.cells import neutralise
from qsi_desktop.export.names import evidence_file_name, evidence_label, safe_file_name
from qsi_desktop.privacy import find_nhs_numbers, redact_nhs_numbers

if TYPE_CHECKING:
    from qsi_desktop.services.records import EvidenceRecord
    from qsi_desktop.store.evidence_files import EvidenceFileStore

FORMAT = "qsi-evidence-bundle"
FORMAT_VERSION = 1
MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"
SNAPSHOT_JSON = "snapshot.json"
EVIDENCE_FOLDER = "evidence"
UNLINKED_FOLDER = "not linked to a statement"
CSV_COLUMNS = ("id", "label", "title", "kind", "paths", "sha256", "statements", "url")
PATH_SEPARATOR = " | "
# Already compressed: deflating them again costs time and saves next to nothing.
_OFFICE_AND_PDF = (".pdf", ".docx", ".xlsx", ".xlsm", ".pptx", ".odt", ".ods", ".odp")
_MEDIA_AND_ARCHIVES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".heic", ".mp4", ".mov", ".zip", ".7z", ".gz")
COMPRESSED_TYPES = frozenset(_OFFICE_AND_PDF + _MEDIA_AND_ARCHIVES)
_CHUNK = 1024 * 1024
_HASH = re.compile(r"[0-9a-f]{64}")

ProgressCallback = Callable[[int, int, str], None]
_Stamp = tuple[int, int, int, int, int, int]  # a zip entry's date and time


class ExportError(QsiError):
    """The bundle could not be written; nothing was left at the destination."""


class ExportCancelled(ExportError):
    """The user cancelled; nothing was left at the destination."""


@dataclass(frozen=True)
class BundleEntry:
    """A stored evidence file and the statements it supports (``XR-101`` or ``XR-101:7.a``)."""

    evidence_id: int
    title: str
    file_name: str  # the original name: its extension names the copy's type
    sha256: str
    statements: tuple[str, ...]


@dataclass(frozen=True)
class BundleLink:
    """A link as evidence: listed in the manifest with its url and no path in the zip."""

    evidence_id: int
    title: str
    url: str
    statements: tuple[str, ...]


@dataclass(frozen=True)
class BundleSummary:
    files: int  # evidence file copies in the zip
    bytes: int  # size of the zip
    path: Path
    redacted: int = 0  # NHS-number-like strings taken out of names, manifest and snapshot


def bundle_items(records: Iterable[EvidenceRecord]) -> tuple[list[BundleEntry], list[BundleLink]]:
    """Evidence records (say, ``services.evidence.list_evidence``) as bundle entries and links."""
    entries: list[BundleEntry] = []
    links: list[BundleLink] = []
    for record in records:
        statements = tuple(str(target) for target in record.targets)
        if record.file_sha256:
            entries.append(BundleEntry(record.id, record.title, record.file_name or "", record.file_sha256, statements))
        else:
            links.append(BundleLink(record.id, record.title, record.link_url or "", statements))
    return entries, links


@dataclass
class _Copy:
    entry: BundleEntry
    name: str  # inside the zip
    size: int


class _Redactor:
    """Takes NHS-number-like text out of what the bundle writes itself, counting what it took."""

    def __init__(self) -> None:
        self.count = 0

    def text(self, text: str) -> str:
        if _HASH.fullmatch(text):  # a content hash can hold ten digits that pass the check by chance
            return text
        found = find_nhs_numbers(text)
        self.count += len(found)
        return redact_nhs_numbers(text) if found else text

    def tree(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.tree(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.tree(v) for v in value]
        return value


def write_bundle(
    destination: Path,
    *,
    pack: Path,
    entries: Sequence[BundleEntry],
    links: Sequence[BundleLink] = (),
    store: EvidenceFileStore,
    snapshot: dict[str, Any],
    section_of: Callable[[str], str],
    progress: ProgressCallback | None = None,
    cancel: Callable[[], bool] | None = None,
) -> BundleSummary:
    """Write the bundle to ``destination`` (replacing it); progress counts files written.

    Raises :class:`ExportError` naming the item when a stored file is missing or altered, or the zip
    cannot be written; :class:`ExportCancelled` when ``cancel()`` turns true. Either way, and on
    Ctrl-C, ``destination`` is left as it was (an earlier bundle stays) and no partial file remains.
    """
    if not pack.is_file():
        raise ExportError(f"{pack}: the pack to bundle is missing")
    redactor = _Redactor()
    used = {name.casefold() for name in (MANIFEST_JSON, MANIFEST_CSV, SNAPSHOT_JSON)}
    pack_name = _unique(safe_file_name(redactor.text(pack.name)), used)
    entries = [_redacted_entry(entry, redactor) for entry in sorted(entries, key=lambda e: e.evidence_id)]
    links = [_redacted_link(link, redactor) for link in links]
    snapshot_json = _json_bytes(redactor.tree(snapshot))  # before writing: a snapshot that cannot be saved is a bug
    copies = _plan(entries, store, section_of, used)
    total = len(copies) + 2  # the pack, the evidence copies, then the manifests and snapshot
    now = datetime.now()
    stamp: _Stamp = (now.year, now.month, now.day, now.hour, now.minute, now.second)

    def check() -> None:
        if cancel is not None and cancel():
            raise ExportCancelled("export cancelled; no bundle was written")

    def step(done: int, message: str) -> None:
        check()
        if progress is not None:
            progress(done, total, message)

    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".partial")
    except OSError as exc:
        raise ExportError(f"{destination.parent}: cannot write the bundle there: {exc.strerror or exc}") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
                step(0, f"adding {pack_name}")
                with pack.open("rb") as source:
                    pack_sha = _add_file(archive, pack_name, source, pack.stat().st_size, stamp, check)
                paths: dict[int, list[str]] = {}
                for done, copy in enumerate(copies, 1):
                    step(done, f"adding {copy.name}")
                    _add_evidence(archive, copy, store, stamp, check)
                    paths.setdefault(copy.entry.evidence_id, []).append(copy.name)
                step(total - 1, "writing the manifest")
                items = _manifest_items(entries, links, paths)
                manifest = {
                    "format": FORMAT,
                    "version": FORMAT_VERSION,
                    "created": datetime.now().astimezone().isoformat(timespec="seconds"),
                    "pack": {"path": pack_name, "sha256": pack_sha},
                    "items": items,
                }
                _add_bytes(archive, MANIFEST_JSON, _json_bytes(manifest), stamp)
                _add_bytes(archive, MANIFEST_CSV, _csv_bytes(items), stamp)
                _add_bytes(archive, SNAPSHOT_JSON, snapshot_json, stamp)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, destination)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"{destination}: could not write the bundle: {exc.strerror or exc}") from exc
    except BaseException:  # errors, cancel, Ctrl-C: no partial zip is left
        tmp.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(total, total, "bundle written")
    return BundleSummary(files=len(copies), bytes=destination.stat().st_size, path=destination, redacted=redactor.count)


def _plan(
    entries: Sequence[BundleEntry], store: EvidenceFileStore, section_of: Callable[[str], str], used: set[str]
) -> list[_Copy]:
    """Every copy's name in the zip, and its size; a stored file missing already stops the export here,
    before anything is written."""
    copies: list[_Copy] = []
    for entry in entries:
        try:
            size = store.path_for(entry.sha256).stat().st_size
        except OSError:
            raise _item_error(entry, "its file is missing from the evidence store") from None
        file_name = evidence_file_name(entry.evidence_id, entry.title, entry.file_name)
        for folder in _folders(entry.statements, section_of):
            copies.append(_Copy(entry, _unique(f"{folder}/{file_name}", used), size))
    return copies


def _folders(statements: Iterable[str], section_of: Callable[[str], str]) -> list[str]:
    """One folder per statement (a link to one of its suggestions is a link to the statement)."""
    refs = list(dict.fromkeys(s.partition(":")[0].strip() for s in statements if s.strip()))
    if not refs:
        return [f"{EVIDENCE_FOLDER}/{UNLINKED_FOLDER}"]
    return [f"{EVIDENCE_FOLDER}/{safe_file_name(section_of(ref))}/{safe_file_name(ref)}" for ref in refs]


def _unique(name: str, used: set[str]) -> str:
    """``name``, or ``name (2)``...: Windows folds case, so "A.pdf" and "a.pdf" would collide there."""
    stem, dot, extension = name.rpartition(".") if "." in PurePath(name).name else (name, "", "")
    candidate, number = name, 1
    while candidate.casefold() in used:
        number += 1
        candidate = f"{stem} ({number}){dot}{extension}"
    used.add(candidate.casefold())
    return candidate


def _add_evidence(
    archive: zipfile.ZipFile,
    copy: _Copy,
    store: EvidenceFileStore,
    stamp: _Stamp,
    check: Callable[[], None],
) -> None:
    try:
        with store.path_for(copy.entry.sha256).open("rb") as source:
            sha = _add_file(archive, copy.name, source, copy.size, stamp, check)
    except OSError as exc:
        raise _item_error(copy.entry, f"its stored file cannot be read ({exc.strerror or exc})") from exc
    if sha != copy.entry.sha256:
        raise _item_error(copy.entry, "its stored file changed since it was added")


def _item_error(entry: BundleEntry, problem: str) -> ExportError:
    return ExportError(
        f"evidence {evidence_label(entry.evidence_id)} “{entry.title}”: {problem}; no bundle was written. "
        "'qsi verify' checks every file: restore it from a backup or add the document again"
    )


def _add_file(
    archive: zipfile.ZipFile,
    name: str,
    source: BinaryIO,
    size: int,
    stamp: _Stamp,
    check: Callable[[], None],
) -> str:
    """Stream ``source`` into the zip as ``name``; returns the SHA-256 of what was written.
    ``check`` is called every few chunks, so a large file can be cancelled part way."""
    info = _info(name, stamp)
    info.file_size = size  # lets zipfile choose ZIP64 up front for a file over 4 GB
    digest = hashlib.sha256()
    with archive.open(info, "w", force_zip64=size > zipfile.ZIP64_LIMIT) as target:
        for number, chunk in enumerate(iter(lambda: source.read(_CHUNK), b"")):
            digest.update(chunk)
            target.write(chunk)
            if number % 16 == 15:
                check()
    return digest.hexdigest()


def _add_bytes(archive: zipfile.ZipFile, name: str, data: bytes, stamp: _Stamp) -> None:
    archive.writestr(_info(name, stamp), data)


def _info(name: str, stamp: _Stamp) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=stamp)
    stored = PurePath(name).suffix.lower() in COMPRESSED_TYPES
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16  # readable files when unpacked on macOS or Linux
    return info


def _manifest_items(
    entries: Sequence[BundleEntry], links: Sequence[BundleLink], paths: dict[int, list[str]]
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [
        {
            "id": entry.evidence_id,
            "label": evidence_label(entry.evidence_id),
            "title": entry.title,
            "kind": "file",
            "paths": paths.get(entry.evidence_id, []),
            "sha256": entry.sha256,
            "statements": list(entry.statements),
            "url": None,
        }
        for entry in entries
    ]
    items += [
        {
            "id": link.evidence_id,
            "label": evidence_label(link.evidence_id),
            "title": link.title,
            "kind": "link",
            "paths": [],
            "sha256": None,
            "statements": list(link.statements),
            "url": link.url,
        }
        for link in links
    ]
    return sorted(items, key=lambda item: item["id"])


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False, default=_json_default).encode("utf-8")


def _json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    raise TypeError(f"the snapshot cannot hold a {type(value).__name__}")


def _csv_bytes(items: Sequence[dict[str, Any]]) -> bytes:
    """The manifest as CSV for Excel: UTF-8 with a byte order mark (else Excel guesses the encoding),
    no cell that Excel would run as a formula."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(CSV_COLUMNS)
    for item in items:
        row = {
            **item,
            "paths": PATH_SEPARATOR.join(item["paths"]),
            "statements": PATH_SEPARATOR.join(item["statements"]),
            "sha256": item["sha256"] or "",
            "url": item["url"] or "",
        }
        writer.writerow([neutralise(row[column]) for column in CSV_COLUMNS])
    return text.getvalue().encode("utf-8-sig")


def _redacted_entry(entry: BundleEntry, redactor: _Redactor) -> BundleEntry:
    return BundleEntry(
        entry.evidence_id,
        redactor.text(entry.title),
        redactor.text(entry.file_name),
        entry.sha256,
        tuple(redactor.text(s) for s in entry.statements),
    )


def _redacted_link(link: BundleLink, redactor: _Redactor) -> BundleLink:
    return BundleLink(
        link.evidence_id,
        redactor.text(link.title),
        redactor.text(link.url),
        tuple(redactor.text(s) for s in link.statements),
    )


# -- checking a bundle -----------------------------------------------------------------------------


def verify_bundle(path: Path) -> list[str]:
    """What is wrong with the bundle at ``path``: empty when the pack and every file the manifest lists
    are in the zip with the bytes their hash says, and no evidence file is unlisted."""
    try:
        with zipfile.ZipFile(path) as archive:
            return list(_problems(archive))
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"{path}: not a readable zip ({exc})"]


def _problems(archive: zipfile.ZipFile) -> Iterator[str]:
    try:
        manifest = json.loads(archive.read(MANIFEST_JSON))
        if manifest.get("format") != FORMAT:
            raise ValueError("not an evidence bundle manifest")
        pack, items = manifest["pack"], manifest["items"]
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        yield f"{MANIFEST_JSON}: missing or unreadable ({exc})"
        return
    expected = {pack["path"]: (pack["sha256"], "the pack")}
    for item in items:
        for name in item["paths"]:
            expected[name] = (item["sha256"], f"{item['label']} {item['title']}")
    for name, (sha, what) in expected.items():
        try:
            actual = _member_sha256(archive, name)
        except KeyError:
            yield f"{name}: listed for {what} but not in the zip"
            continue
        except (zipfile.BadZipFile, OSError) as exc:  # a bad CRC or a damaged entry
            yield f"{name}: cannot be read ({exc})"
            continue
        if actual != sha:
            yield f"{name}: its content does not match the hash the manifest gives for {what}"
    listed = set(expected) | {MANIFEST_JSON, MANIFEST_CSV, SNAPSHOT_JSON}
    for name in archive.namelist():
        if name not in listed and not name.endswith("/"):
            yield f"{name}: in the zip but not in the manifest"


def _member_sha256(archive: zipfile.ZipFile, name: str) -> str:
    digest = hashlib.sha256()
    with archive.open(name) as member:
        while chunk := member.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
