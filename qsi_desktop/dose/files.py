"""What one input file holds: a DICOM file, a zip of them or a DICOMDIR, read without trusting it.

The core hands an importer one file at a time (folders it expands itself, with the importer's
``patterns``: ``("*",)``, since DICOM files often have no extension). A file is DICOM when it has
the 128-byte preamble and ``DICM``, or, without one, when it starts like a DICOM data set and
parses. Zip files are read member by member in memory, never extracted, and refused whole when a
member's name would leave the archive (zip slip), when they would expand too far (zip bombs) or
hold too many members; zips inside zips are not followed. A DICOMDIR's referenced files are read
from its own folder, never from outside it.

Member names never appear in reasons (they can hold patients' names): members are numbered.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO

from pydicom import dcmread
from pydicom.filereader import read_file_meta_info

from qsi_desktop.dose.model import DoseReport, NotUsable, skipped
from qsi_desktop.dose.reader import quiet, read_dicom

MAX_FILE_BYTES = 64 * 1024 * 1024  # a dose report of thousands of events is a few MB
MAX_MEMBERS = 50_000
MAX_ARCHIVE_BYTES = 4 * 1024 * 1024 * 1024  # uncompressed, all members together
MAX_RATIO = 200  # uncompressed / compressed for a member over RATIO_FROM: real reports pack ~10-50x
RATIO_FROM = 1024 * 1024
_HEAD = 132
# Without a preamble: a data set starting with group 0002 or 0008, little endian (PS3.10 7.1 allows none).
_BARE_DICOM = re.compile(rb"^(\x02\x00|\x08\x00)[\x00-\xff]{2}(?:[A-Z]{2}|[\x00-\xff]{2}\x00\x00)")


@dataclass(frozen=True)
class Entry:
    """One dose report, or why something could not be used; ``where`` names a member, if any."""

    result: DoseReport | NotUsable
    where: str = ""  # "member 3 of the zip file", "file 2 of the DICOMDIR"

    @property
    def reason(self) -> str:
        assert isinstance(self.result, NotUsable)
        return f"{self.where}: {self.result.reason}" if self.where else self.result.reason


def read_path(path: Path) -> Iterator[Entry]:
    """Every dose report (or reason) in ``path``."""
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            head = stream.read(_HEAD)
    except OSError as exc:
        yield Entry(NotUsable(f"cannot read the file ({exc.strerror or type(exc).__name__})"))
        return
    if not head:
        yield Entry(skipped("the file is empty"))
    elif head.startswith(b"PK") and zipfile.is_zipfile(path):
        yield from _zip_entries(path)
    elif not _is_dicom(head):
        yield Entry(skipped("not a DICOM file"))
    elif path.name.upper() == "DICOMDIR":
        yield from _dicomdir_entries(path)
    elif size > MAX_FILE_BYTES:
        yield Entry(_too_large(path, size))
    else:
        yield Entry(_read(str(path), head))


def _is_dicom(head: bytes) -> bool:
    return head[128:132] == b"DICM" or bool(_BARE_DICOM.match(head))


def _read(source: str | IO[bytes], head: bytes) -> DoseReport | NotUsable:
    try:
        return read_dicom(source, force=head[128:132] != b"DICM")
    except NotUsable as problem:
        return problem


def _too_large(path: Path, size: int) -> NotUsable:
    """An image (an enhanced multi-frame CT can be hundreds of MB) is skipped as any image is; anything
    else that large is not a dose report we can read safely."""
    try:
        with quiet():
            meta = read_file_meta_info(path)
        if "Image" in meta.MediaStorageSOPClassUID.name:
            return skipped("a DICOM image, not a dose report")
    except Exception:
        pass
    return NotUsable(f"the file is too large for a dose report ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})")


# -- zip files ------------------------------------------------------------------------------------


def _zip_entries(path: Path) -> Iterator[Entry]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            if not members:
                yield Entry(skipped("the zip file is empty"))
                return
            refusal = _refuse_archive(members)
            if refusal:
                yield Entry(NotUsable(f"zip file refused, nothing read from it: {refusal}"))
                return
            for number, info in enumerate(members, start=1):
                yield Entry(_member(archive, info), f"member {number} of the zip file")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
        yield Entry(NotUsable("the zip file is damaged or cut short"))


def _refuse_archive(members: list[zipfile.ZipInfo]) -> str:
    if len(members) > MAX_MEMBERS:
        return f"it holds {len(members):,} files (the limit is {MAX_MEMBERS:,}): split it"
    for number, info in enumerate(members, start=1):
        if _escapes(info.filename):
            return f"member {number}'s name leaves the archive ('..' or an absolute path: zip slip)"
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            return f"member {number} expands over {MAX_RATIO} times its packed size (a zip bomb)"
    total = sum(info.file_size for info in members)
    if total > MAX_ARCHIVE_BYTES:
        return f"it expands to {total:,} bytes (the limit is {MAX_ARCHIVE_BYTES:,}): a zip bomb, or split it"
    return ""


def _escapes(name: str) -> bool:
    for pure in (PurePosixPath(name), PureWindowsPath(name)):
        if pure.is_absolute() or pure.anchor or ".." in pure.parts:
            return True
    return False


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> DoseReport | NotUsable:
    if info.file_size > MAX_FILE_BYTES:
        return NotUsable(f"too large for a dose report ({info.file_size:,} bytes; the limit is {MAX_FILE_BYTES:,})")
    try:
        with archive.open(info) as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except RuntimeError:  # encrypted
        return NotUsable("the member is encrypted: unzip it first")
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError):
        return NotUsable("the member is damaged or packed in a way that cannot be read")
    if len(data) > info.file_size or len(data) > MAX_FILE_BYTES:  # the header lied about the size
        return NotUsable("the member is larger than the zip file says: refused")
    head = data[:_HEAD]
    if not head:
        return skipped("the file is empty")
    if head.startswith(b"PK\x03\x04"):
        return skipped("a zip file inside the zip file: not followed (unzip it first)")
    if not _is_dicom(head):
        return skipped("not a DICOM file")
    if PurePosixPath(info.filename).name.upper() == "DICOMDIR":
        return skipped("a DICOMDIR: the files it lists are read as members of the zip file")
    return _read(io.BytesIO(data), head)


# -- DICOMDIR -------------------------------------------------------------------------------------


def _dicomdir_entries(path: Path) -> Iterator[Entry]:
    root = path.parent.resolve()
    try:
        with quiet():
            directory = dcmread(path, force=False)
            records = list(directory.get("DirectoryRecordSequence") or [])
            references = [record.get("ReferencedFileID") for record in records]
    except Exception:
        yield Entry(NotUsable("the DICOMDIR is cut short or corrupt: its list of files cannot be read"))
        return
    number = 0
    for reference in references:
        if not reference:
            continue  # patient, study and series records
        number += 1
        where = f"file {number} of the DICOMDIR"
        parts = [str(reference)] if isinstance(reference, str) else [str(p) for p in reference]
        target = _inside(root, parts)
        if target is None:
            yield Entry(NotUsable("it points outside the DICOMDIR's folder: not read"), where)
        elif not target.is_file():
            yield Entry(NotUsable("the file it lists is missing"), where)
        elif target.name.upper() == "DICOMDIR":
            yield Entry(skipped("another DICOMDIR: not followed"), where)
        else:
            yield from (Entry(entry.result, where) for entry in read_path(target))


def _inside(root: Path, parts: list[str]) -> Path | None:
    """The referenced file, only when it lies inside ``root`` (no '..', no absolute path, no link out)."""
    if any(not part or part in (".", "..") or _escapes(part) for part in parts):
        return None
    target = root.joinpath(*parts).resolve()
    return target if target.is_relative_to(root) else None
