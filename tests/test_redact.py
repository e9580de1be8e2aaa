"""``qsi redact``: text that held personal data leaves the audit trail, the database file, its WAL and
every backup; the redaction is audited and names who and when."""

from __future__ import annotations

import json
from pathlib import Path

from qsi_desktop.store.workspace import DATABASE_NAME, backup_database

SECRET = "Discussed with Mrs Ivy Quenneville, MRN RX8877665"
EARLIER = "Leaflet approved by the patient panel"
NEEDLES = (b"Quenneville", b"RX8877665", "Quenneville".encode("utf-16-le"))


def _setup(cli, tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    assert cli("init", path, "--service", "Riverside", "--modalities", "CT").code == 0
    assert cli("assess", path, "XR-101", "--status", "in-progress", "--narrative", EARLIER).code == 0
    assert cli("assess", path, "XR-101", "--narrative", SECRET).code == 0
    backup_database(path / DATABASE_NAME, path / "backups", label="before-test")  # a backup holding the text
    assert cli("assess", path, "XR-101", "--narrative", "Discussed with the patient panel").code == 0
    return path


def _entry_with_secret(cli, path: Path) -> int:
    entries = json.loads(cli("audit", path, "--json", "--limit", "500").out)
    return next(e["audit_id"] for e in entries if SECRET in json.dumps(e))


def _files(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()]


def test_redact_removes_the_text_from_the_database_wal_and_every_backup(cli, tmp_path: Path) -> None:
    path = _setup(cli, tmp_path)
    assert any(n in p.read_bytes() for p in _files(path) for n in NEEDLES)  # the gap: it is there
    backups = {p.name: p.stat().st_mtime for p in (path / "backups").glob("*.sqlite3")}
    audit_id = _entry_with_secret(cli, path)
    result = cli(
        "--actor", "Quality Lead", "redact", path, "--audit-id", str(audit_id), "--field", "narrative", "--json"
    )
    assert result.code == 0, result.err
    done = json.loads(result.out)
    assert done["field"] == "narrative" and len(done["entries"]) == 2  # the entry that added it, the one removing it
    assert "before-test" in " ".join(done["backups"])
    for file in _files(path):
        data = file.read_bytes()
        for needle in NEEDLES:
            assert needle not in data, f"{file.name} still holds {needle!r}"
    assert {p.name: p.stat().st_mtime for p in (path / "backups").glob("*.sqlite3")} == backups
    assert len(done["backups"]) == 1  # the daily copy predates the text: left as it was
    # The narrative before the text was someone's ordinary text: it stays in the trail.
    assert EARLIER in cli("audit", path, "--json", "--limit", "500").out
    entries = json.loads(cli("audit", path, "--json", "--limit", "500").out)
    redaction = entries[0]
    assert redaction["action"] == "redact" and redaction["actor"] == "Quality Lead"
    assert redaction["id"] == str(audit_id) and redaction["after"]["field"] == "narrative"
    notes = [
        e["after"]["narrative"] for e in entries if e["after"] and "redacted by" in str(e["after"].get("narrative"))
    ]
    assert notes and notes[0].startswith("[redacted by Quality Lead on ")
    assert cli("verify", path).code == 0
    status = json.loads(cli("status", path, "--json").out)
    assert status["statements_total"] == 80


def test_redact_refuses_text_the_record_still_holds_and_names_the_fields(cli, tmp_path: Path) -> None:
    path = tmp_path / "ws"
    assert cli("init", path, "--service", "Riverside", "--modalities", "CT").code == 0
    assert cli("assess", path, "XR-101", "--status", "in-progress", "--narrative", SECRET, "--owner", "RPS").code == 0
    audit_id = _entry_with_secret(cli, path)
    several = cli("redact", path, "--audit-id", str(audit_id))
    assert several.code == 2 and "name one with --field" in several.err and "narrative" in several.err
    live = cli("redact", path, "--audit-id", str(audit_id), "--field", "narrative")
    assert live.code == 2 and "still holds this text in narrative: change it first" in live.err
    missing = cli("redact", path, "--audit-id", "99999")
    assert missing.code == 2 and "no audit entry 99999" in missing.err
    assert SECRET.encode() not in (several.err + live.err).encode()


def test_an_entry_that_added_text_still_held_is_refused_not_its_earlier_text(cli, tmp_path: Path) -> None:
    """Found in review: redacting the update that wrote a patient's details (the narrative still holding
    them) redacted the narrative it replaced, someone's ordinary text, and left the details in place."""
    path = tmp_path / "ws"
    assert cli("init", path, "--service", "Riverside", "--modalities", "CT").code == 0
    assert cli("assess", path, "XR-101", "--status", "in-progress", "--narrative", EARLIER).code == 0
    assert cli("assess", path, "XR-101", "--narrative", SECRET).code == 0
    audit_id = _entry_with_secret(cli, path)
    live = cli("redact", path, "--audit-id", str(audit_id), "--field", "narrative")
    assert live.code == 2 and "still holds this text in narrative: change it first" in live.err
    trail = cli("audit", path, "--json", "--limit", "500").out
    assert EARLIER in trail and "redacted by" not in trail
