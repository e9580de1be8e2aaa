"""The evidence service without Qt: copying a stored file out to open it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from qsi_desktop.services import evidence
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.evidence import EvidenceDetails


def test_export_copy_writes_the_stored_bytes_under_the_original_name(make_workspace, full_app, tmp_path: Path) -> None:
    ws = make_workspace()
    source = tmp_path / "IR(ME)R procedures v7.docx"
    source.write_bytes(b"PK\x03\x04 employer's procedures")
    item = evidence.add_file(ws, full_app, source, EvidenceDetails(targets=["XR-501"]), actor="test-user")
    stored = ws.files.path_for(item.file_sha256)
    stored_mode = stored.stat().st_mode

    copy = evidence.export_copy(ws, item.id, tmp_path / "open" / "1")
    assert copy == tmp_path / "open" / "1" / "IR(ME)R procedures v7.docx"
    assert copy.read_bytes() == stored.read_bytes() == source.read_bytes()
    assert not copy.stat().st_mode & stat.S_IWUSR  # read-only: an edit is saved elsewhere, not lost here
    # Copying again into the same folder never replaces the earlier copy: the next free name is taken.
    again = evidence.export_copy(ws, item.id, copy.parent)
    assert again == copy.parent / "IR(ME)R procedures v7 (2).docx" and copy.read_bytes() == again.read_bytes()
    assert stored.stat().st_mode == stored_mode and ws.files.verify(item.file_sha256) is None


def test_export_copy_never_writes_through_a_link_planted_in_the_folder(make_workspace, full_app, tmp_path: Path):
    if os.name == "nt":
        pytest.skip("symbolic links need privileges on Windows")
    ws = make_workspace()
    source = tmp_path / "policy.pdf"
    source.write_bytes(b"%PDF-1.7 policy")
    item = evidence.add_file(ws, full_app, source, EvidenceDetails(targets=["XR-101"]), actor="test-user")
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"precious")
    outside.chmod(0o444)
    folder = tmp_path / "open"
    folder.mkdir()
    (folder / "policy.pdf").symlink_to(outside)
    (folder / "policy (2).pdf").symlink_to(tmp_path / "does-not-exist.pdf")  # a dangling link too
    copy = evidence.export_copy(ws, item.id, folder)
    assert copy == folder / "policy (3).pdf" and copy.read_bytes() == b"%PDF-1.7 policy"
    assert outside.read_bytes() == b"precious" and outside.stat().st_mode & 0o777 == 0o444
    assert not (tmp_path / "does-not-exist.pdf").exists()


def test_export_copy_refuses_a_damaged_or_missing_file_and_copies_nothing(
    make_workspace, full_app, tmp_path: Path
) -> None:
    ws = make_workspace()
    source = tmp_path / "policy.pdf"
    source.write_bytes(b"%PDF-1.7 policy")
    item = evidence.add_file(ws, full_app, source, EvidenceDetails(targets=["XR-101"]), actor="test-user")
    stored = ws.files.path_for(item.file_sha256)
    stored.chmod(0o644)
    stored.write_bytes(b"%PDF-1.7 edited behind our back")
    folder = tmp_path / "open"
    with pytest.raises(UserError, match=r"policy\.pdf: content changed"):
        evidence.export_copy(ws, item.id, folder)
    stored.unlink()
    with pytest.raises(UserError, match=r"policy\.pdf: file missing from the evidence store"):
        evidence.export_copy(ws, item.id, folder)
    assert not folder.exists()

    link = evidence.add_link(
        ws, full_app, "https://intranet.example.nhs.uk/risk", EvidenceDetails(targets=["XR-805"]), actor="test-user"
    )
    with pytest.raises(UserError, match="is a link"):
        evidence.export_copy(ws, link.id, folder)
    with pytest.raises(UserError, match="no evidence with id 999"):
        evidence.export_copy(ws, 999, folder)


def test_export_copy_makes_a_name_windows_can_use(make_workspace, full_app, tmp_path: Path) -> None:
    ws = make_workspace()
    if os.name == "nt":
        pytest.skip("Windows cannot create the awkward name in the first place")
    source = tmp_path / 'audit: "Q1" <draft>.txt'
    source.write_text("audit", encoding="utf-8")
    item = evidence.add_file(ws, full_app, source, EvidenceDetails(targets=["XR-101"]), actor="test-user")
    copy = evidence.export_copy(ws, item.id, tmp_path / "open")
    assert copy.name == "audit_ _Q1_ _draft_.txt"
    assert copy.read_text(encoding="utf-8") == "audit"
