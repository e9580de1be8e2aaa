"""Nothing lost between colleagues: a save over a newer version is refused with both texts, and a
workspace handle tells changes saved elsewhere from its own."""

from __future__ import annotations

import pytest

from qsi_desktop.errors import QsiError
from qsi_desktop.services.assessments import AssessmentChange, AssessmentConflict, assess, statement_details
from qsi_desktop.services.audit import changes_elsewhere, latest_audit_id, list_audit
from qsi_desktop.store.workspace import Workspace


@pytest.mark.backends
def test_a_save_over_a_newer_version_is_refused_with_both_texts(make_workspace, full_app, backend) -> None:
    mine = make_workspace()
    theirs = Workspace.open(mine.path)  # a colleague's window on the same folder
    try:
        loaded = statement_details(mine, full_app, "XR-101").assessment.row_version
        assert loaded == 0
        assess(theirs, full_app, "XR-101", AssessmentChange(narrative="Ann's narrative"), actor="ann")
        with pytest.raises(AssessmentConflict) as caught:
            assess(
                mine,
                full_app,
                "XR-101",
                AssessmentChange(narrative="My narrative"),
                actor="bob",
                expected_version=loaded,
            )
        conflict = caught.value
        assert isinstance(conflict, QsiError)
        assert conflict.theirs.narrative == "Ann's narrative" and conflict.theirs.updated_by == backend.actor("ann")
        assert conflict.my_narrative == "My narrative" and conflict.mine.narrative == "My narrative"
        assert "XR-101 was changed by ann" in str(conflict)
        assert statement_details(mine, full_app, "XR-101").assessment.narrative == "Ann's narrative"  # not saved

        # Keep mine: saved over theirs on purpose, against the version now stored, and audited as such.
        saved = assess(
            mine,
            full_app,
            "XR-101",
            AssessmentChange(narrative="My narrative"),
            actor="bob",
            expected_version=conflict.theirs.row_version,
            note="saved over ann's version",
        )
        assert saved.narrative == "My narrative" and saved.row_version == conflict.theirs.row_version + 1
        latest = list_audit(mine, limit=1)[0]
        assert latest.actor == backend.actor("bob") and "saved over ann's version" in latest.summary
        assert latest.before == {"narrative": "Ann's narrative"}
    finally:
        theirs.close()


@pytest.mark.backends
def test_an_unchanged_row_saves_and_no_expected_version_keeps_the_old_behaviour(make_workspace, full_app) -> None:
    ws = make_workspace()
    first = assess(ws, full_app, "XR-101", AssessmentChange(owner="RPS"), actor="u", expected_version=0)
    second = assess(ws, full_app, "XR-101", AssessmentChange(owner="RPA"), actor="u", expected_version=1)
    assert (first.row_version, second.row_version) == (1, 2)
    assert assess(ws, full_app, "XR-101", AssessmentChange(owner="Lead"), actor="u").row_version == 3
    with pytest.raises(AssessmentConflict):
        assess(ws, full_app, "XR-101", AssessmentChange(owner="stale"), actor="u", expected_version=1)


@pytest.mark.backends
def test_changes_elsewhere_are_told_from_a_handles_own(make_workspace, full_app, backend) -> None:
    mine = make_workspace()
    other = Workspace.open(mine.path)
    try:
        seen = latest_audit_id(mine)
        assess(mine, full_app, "XR-101", AssessmentChange(owner="RPS"), actor="bob")
        latest, foreign = changes_elsewhere(mine, seen)
        assert latest > seen and foreign == []  # my own save is not news
        assess(other, full_app, "XR-102", AssessmentChange(narrative="From the other window"), actor="ann")
        latest2, foreign = changes_elsewhere(mine, latest)
        assert latest2 > latest and [(e.actor, e.entity) for e in foreign] == [(backend.actor("ann"), "assessment")]
        assert changes_elsewhere(other, latest)[1] == []  # the other handle sees it as its own
    finally:
        other.close()
