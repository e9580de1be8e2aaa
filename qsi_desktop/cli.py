"""The ``qsi`` command: everything the GUI does, for automation. Qt-free.

Exit codes: 0 success; 1 the command ran but found problems (``verify``, rejected import rows);
2 bad input or a workspace that cannot be used, with one line on stderr saying what and where.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from qsi_desktop.errors import QsiError
from qsi_desktop.paths import data_dir, log_path, log_to_file
from qsi_desktop.plugins.guard import PluginError
from qsi_desktop.selftest import VersionAction
from qsi_desktop.services import actions, evidence, importing, readiness
from qsi_desktop.services.app import App
from qsi_desktop.services.assessments import AssessmentChange, assess
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.values import parse_action_status, parse_date, parse_status, status_label
from qsi_desktop.store.workspace import NewProfile, Workspace, is_network_path

Handler = Callable[[argparse.Namespace, App], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    log_to_file(data_dir(), "qsi.log")
    try:
        app = App.load()
        for failure in app.plugins.failures:
            _warn(f"plugin {failure.name} was not loaded: {failure.error}")
        for warning in app.plugins.warnings:
            _warn(f"plugin {warning.name}: {warning.error}")
        return args.handler(args, app)
    except QsiError as exc:
        print(f"qsi: error: {exc}", file=sys.stderr)
        if isinstance(exc, PluginError):
            print(
                f"qsi: this is a fault in the {exc.plugin} plugin, not in your files: details are in "
                f"{log_path('qsi.log')}; send them to the plugin's author",
                file=sys.stderr,
            )
        return 2
    except SQLAlchemyError as exc:  # parameters are hidden by the engine: no user data in the message
        print(f"qsi: error: database error ({str(getattr(exc, 'orig', exc)).splitlines()[0]})", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head or a closed pager: not an error
        sys.stderr.close()
        return 0
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"qsi: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qsi: interrupted", file=sys.stderr)
        return 130


# -- helpers ----------------------------------------------------------------------------------------


def _warn(message: str) -> None:
    print(f"qsi: warning: {message}", file=sys.stderr)


def _actor(args: argparse.Namespace) -> str:
    if args.actor:
        return args.actor
    try:
        return os.environ.get("QSI_ACTOR") or getpass.getuser()
    except Exception:  # no user name on some locked-down desktops
        return "unknown"


def _open(path: str, app: App) -> Workspace:
    """Open the workspace at ``path`` and serve its framework (refused if the app does not have it)."""
    ws = app.open_workspace(Path(path))
    if not ws.is_team and is_network_path(ws.path):
        _warn(f"{ws.path} is on a network drive: SQLite is not safe there; keep workspaces on the local disk")
    return ws


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def _modalities(text: str | None, app: App) -> tuple[str, ...]:
    """Modality codes the loaded plugins provide (``CT,MR``); anything else is refused."""
    if not text:
        return ()
    codes = tuple(dict.fromkeys(code.strip().upper() for code in text.split(",") if code.strip()))
    known = app.modalities()
    unknown = [code for code in codes if code not in known]
    if unknown:
        choices = ",".join(known) or "none: no modality plugin is loaded"
        raise UserError(f"unknown modality {', '.join(unknown)}; use some of {choices} ('qsi plugins' lists plugins)")
    return codes


def _scopes(values: Sequence[str] | None, app: App) -> dict[str, bool]:
    """``--scope paediatric=no`` (repeatable) as ``{"paediatric": False}``; unknown scopes refused."""
    answers = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}
    known = app.scopes()
    flags: dict[str, bool] = {}
    for value in values or ():
        name, _, answer = value.partition("=")
        name = name.strip().lower()
        if name not in known:
            raise UserError(f"unknown scope {name!r}; scopes: {', '.join(known) or 'none'}")
        if answer.strip().lower() not in answers:
            raise UserError(f"--scope {value!r}: say {name}=yes or {name}=no")
        flags[name] = answers[answer.strip().lower()]
    return flags


def _sites(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip())


def _months(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise UserError(f"--review-interval {text!r} is not a number of months (or 'none')") from None


def _date(text: str | None, what: str) -> Any:
    return parse_date(text, what) if text else None


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines)


# -- commands ---------------------------------------------------------------------------------------


def cmd_standards(args: argparse.Namespace, app: App) -> int:
    sections = [s for s in app.catalogue.sections if not args.section or s.ref == args.section.upper()]
    if args.section and not sections:
        raise UserError(f"no section {args.section!r}; sections: {', '.join(s.ref for s in app.catalogue.sections)}")
    if args.json:
        _print_json(
            [
                {
                    "ref": st.ref,
                    "section": section.label,
                    "title": st.name,
                    "statement": st.statement,
                    "outcome": st.outcome,
                    "suggestions": [i.to_dict() for i in st.suggestions],
                    "notes": [i.to_dict() for i in st.notes],
                    "scope": list(st.scope),
                    "modality": section.modality,
                    "framework": st.framework_id,
                }
                for section in sections
                for st in section.statements
            ]
        )
        return 0
    for section in sections:
        print(f"{section.label} ({len(section.statements)} statements)")
        for st in section.statements:
            print(f"  {st.ref}  {st.name}")
    print(f"{sum(len(s.statements) for s in sections)} quality statements")
    return 0


def cmd_plugins(args: argparse.Namespace, app: App) -> int:
    infos = app.plugins.plugins()
    if args.json:
        _print_json(
            {
                "plugins": [
                    {"name": i.name, "version": i.version, "module": i.module, "registers": i.registers} for i in infos
                ],
                "failed": [{"name": f.name, "error": f.error} for f in app.plugins.failures],
            }
        )
        return 0
    for info in infos:
        print(f"{info.name} {info.version}  ({info.module})")
        for kind, names in info.registers.items():
            if names:
                print(f"  {kind.replace('_', ' ')}: {', '.join(names)}")
    for failure in app.plugins.failures:
        print(f"{failure.name}  FAILED: {failure.error}")
    return 0


def cmd_init(args: argparse.Namespace, app: App) -> int:
    scopes = {scope.id: scope.default for scope in app.scopes().values()}
    scopes.update(_scopes(args.scope, app))
    if args.no_paediatrics:
        scopes["paediatric"] = False
    profile = NewProfile(
        name=args.service,
        organisation=args.organisation or "",
        sites=_sites(args.sites or ""),
        modalities=_modalities(args.modalities, app),
        scopes=scopes,
    )
    ws = Workspace.create(
        Path(args.path), profile, framework_id=app.framework_id, actor=_actor(args), database=args.database
    )
    ws.close()
    print(f"created workspace {ws.path} for {profile.name}" + (f" on {ws.location}" if ws.is_team else ""))
    return 0


def cmd_demo(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services.demo import build_demo

    path = build_demo(Path(args.path), app, actor=_actor(args))
    print(f"created demo workspace {path}")
    return 0


def cmd_profile(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services.profile import ProfileChange, profile_dict, update_profile

    scopes = _scopes(args.scope, app)
    if args.paediatrics is not None:
        scopes["paediatric"] = args.paediatrics
    change = ProfileChange(
        name=args.service,
        organisation=args.organisation,
        sites=_sites(args.sites) if args.sites is not None else None,
        modalities=_modalities(args.modalities, app) if args.modalities is not None else None,
        scopes=scopes or None,
    )
    with _open(args.path, app) as ws:
        if any(value is not None for value in vars(change).values()):
            update_profile(ws, change, actor=_actor(args))
        data = profile_dict(ws)
    if args.json:
        _print_json(data)
        return 0
    print(f"{data['name']} ({data['organisation'] or 'no organisation set'})")
    print(f"  sites: {', '.join(data['sites']) or '-'}")
    names = app.modalities()
    shown = [
        f"{code} ({names[code].name})" if code in names else f"{code} (plugin not loaded)"
        for code in data["modalities"]
    ]
    print(f"  modalities: {', '.join(shown) or 'none (XR sections only)'}")
    for scope_id, provided in data["scopes"].items():
        scope = app.scopes().get(scope_id)
        print(f"  {scope.label if scope else scope_id}: {'yes' if provided else 'no'}")
    return 0


def cmd_status(args: argparse.Namespace, app: App) -> int:
    with _open(args.path, app) as ws:
        state = readiness.readiness(ws, app)
    if args.json:
        _print_json(state.to_dict())
        return 0
    applicable = sum(1 for s in state.statements if s.applicable)
    print(
        f"{state.service}: readiness {state.readiness_percent:.1f}% ({applicable} of "
        f"{len(state.statements)} statements apply)"
    )
    rows = [[section] + [str(counts[s]) for s in counts] for section, counts in state.sections.items()]
    print(_table(rows, ["Section"] + [status_label(s) for s in state.counts]))
    print(
        _table(
            [["All"] + [str(n) for n in state.counts.values()]],
            ["", *(" " * len(status_label(s)) for s in state.counts)],
        )
    )
    print(
        f"Reviews overdue: {len(state.overdue_reviews)}"
        + (f" ({', '.join(state.overdue_reviews)})" if state.overdue_reviews else "")
    )
    print(f"Evidence items: {state.evidence_total} ({state.evidence_review_overdue} past review date)")
    print(f"Actions open: {state.actions_open} ({state.actions_overdue} overdue)")
    for warning in state.warnings:
        print(f"  ! {warning}")
    return 0


def cmd_assess(args: argparse.Namespace, app: App) -> int:
    # "none" clears a review field: a statement can go back to having no fixed review.
    cleared = {
        field
        for field, value in (
            ("review_interval_months", args.review_interval),
            ("last_reviewed_on", args.reviewed),
            ("next_review_on", args.next_review),
        )
        if value is not None and value.strip().lower() == "none"
    }
    change = AssessmentChange(
        status=parse_status(args.status) if args.status else None,
        owner=args.owner,
        narrative=args.narrative,
        justification=args.justification,
        review_interval_months=None if "review_interval_months" in cleared else _months(args.review_interval),
        reviewed_on=None if "last_reviewed_on" in cleared else _date(args.reviewed, "--reviewed"),
        next_review_on=None if "next_review_on" in cleared else _date(args.next_review, "--next-review"),
        signed_off_by=args.sign_off,
        clear=frozenset(cleared),
    )
    with _open(args.path, app) as ws:
        saved = assess(ws, app, args.ref, change, actor=_actor(args))
    print(
        f"{saved.statement_ref}: {status_label(saved.status)}"
        + (f", owner {saved.owner}" if saved.owner else "")
        + (f", next review {saved.next_review_on}" if saved.next_review_on else "")
    )
    return 0


def _details(args: argparse.Namespace) -> evidence.EvidenceDetails:
    return evidence.EvidenceDetails(
        title=args.title or "",
        version=args.version or "",
        owner=args.owner or "",
        document_ref=args.doc_ref or "",
        approved_on=_date(args.approved, "--approved"),
        review_due_on=_date(args.review_due, "--review-due"),
        targets=args.qs,
        supersedes=args.supersedes,
    )


def cmd_evidence_add(args: argparse.Namespace, app: App) -> int:
    source = Path(args.file)
    with _open(args.path, app) as ws:
        same = evidence.duplicates(ws, [source]).get(source) if args.supersedes is None else None
        if same is not None and args.link_existing:
            if args.qs:
                same = evidence.add_targets(ws, app, same.id, args.qs, actor=_actor(args))
            if args.json:
                _print_json({**evidence.evidence_dict(same), "existing": True, "linked_existing": True})
                return 0
            print(
                f"{source.name} is already stored as evidence #{same.id} '{same.title}': nothing stored again; "
                f"#{same.id} supports {_supports(same)}"
            )
            return 0
        # A retry (the first attempt committed, then was killed before it printed) finds its own item.
        item, existing = evidence.add_file_once(ws, app, source, _details(args), actor=_actor(args))
    if args.json:
        _print_json({**evidence.evidence_dict(item), "existing": existing})
        return 0
    if existing:
        print(
            f"{source.name} is already stored as evidence #{item.id} '{item.title}' with the same statements and "
            f"details (an earlier add of it): nothing stored again; #{item.id} supports {_supports(item)}"
        )
        return 0
    if same is not None:
        print(
            f"warning: the same file is already stored as evidence #{same.id} '{same.title}' ({_supports(same)}); "
            f"'--link-existing' links that one instead, 'qsi evidence retire {args.path} {item.id}' undoes this",
            file=sys.stderr,
        )
    if args.supersedes:
        print(f"evidence #{args.supersedes} is superseded by #{item.id}")
    print(
        f"evidence #{item.id} '{item.title}' stored ({item.file_size} bytes, sha256 {item.file_sha256[:12]}…) "
        f"for {_supports(item)}"
    )
    _warn_nhs_numbers(source, item.id)
    return 0


def _warn_nhs_numbers(source: Path, item_id: int) -> None:
    """Say where a stored document seems to hold an NHS number (the place, never the number): the
    pre-export check would stop at it later; better to know now and store a cleaned version."""
    places = evidence.nhs_number_places(source)
    if places:
        _warn(
            f"#{item_id} seems to hold an NHS number ({', '.join(places[:3])}): remove it from the document and "
            f"add the cleaned copy with '--supersedes {item_id}'; the pre-export check stops at it until then"
        )


def _supports(item: evidence.EvidenceRecord) -> str:
    if item.is_unsorted:
        return "nothing yet: it is in the unsorted inbox ('qsi evidence edit PATH ID --qs REF' links it)"
    return ", ".join(str(target) for target in item.targets)


def cmd_evidence_edit(args: argparse.Namespace, app: App) -> int:
    cleared = {
        name
        for name, value in (("approved_on", args.approved), ("review_due_on", args.review_due))
        if value is not None and value.strip().lower() == "none"
    }
    edit = evidence.EvidenceEdit(
        title=args.title,
        version=args.version,
        owner=args.owner,
        document_ref=args.doc_ref,
        approved_on=None if "approved_on" in cleared else _date(args.approved, "--approved"),
        review_due_on=None if "review_due_on" in cleared else _date(args.review_due, "--review-due"),
        clear=frozenset(cleared),
    )
    with _open(args.path, app) as ws:
        if args.qs:
            evidence.parse_targets(app, args.qs)  # checked before anything is saved
        item = evidence.edit_evidence(ws, args.id, edit, actor=_actor(args))
        if args.qs:
            item = evidence.add_targets(ws, app, args.id, args.qs, actor=_actor(args))
    print(f"evidence #{item.id} '{item.title}' saved; supports {_supports(item)}")
    return 0


def cmd_evidence_retire(args: argparse.Namespace, app: App) -> int:
    with _open(args.path, app) as ws:
        if args.undo:
            item = evidence.restore(ws, args.id, actor=_actor(args))
            print(f"evidence #{item.id} '{item.title}' is in use again")
            return 0
        item = evidence.retire(ws, args.id, actor=_actor(args))
    print(
        f"evidence #{item.id} '{item.title}' retired: kept with its history, no longer counted or in the pack "
        f"('--undo' brings it back)"
    )
    return 0


def cmd_evidence_where(args: argparse.Namespace, app: App) -> int:
    with _open(args.path, app) as ws:
        used = evidence.where_used(ws, app, args.id)
        from qsi_desktop.services.evidence_tree import sources  # where a folder import found it

        found_at = sources(ws, args.id)
    if args.json:
        _print_json(
            {
                "id": used.item.id,
                "title": used.item.title,
                "retired": used.item.is_retired,
                "statements": [str(target) for target in used.statements],
                "checklist_items": [
                    {"template": u.template_id, "item": u.item_key, "text": u.item_text, "answer": u.answer}
                    for u in used.checklist_items
                ],
                "imported_from": found_at,
            }
        )
        return 0
    state = " (retired)" if used.item.is_retired else ""
    print(f"evidence #{used.item.id} '{used.item.title}'{state}")
    if used.unused:
        print("  not used: no statement or checklist item names it")
    for target in used.statements:
        print(f"  statement {target} {app.statement(target.ref).name}")
    for use in used.checklist_items:
        print(f"  checklist {use.template_title}: {use.item_text} ({use.answer or 'no answer'})")
    for path in found_at:
        print(f"  imported from {path}")
    return 0


def cmd_evidence_link(args: argparse.Namespace, app: App) -> int:
    with _open(args.path, app) as ws:
        item = evidence.add_link(ws, app, args.url, _details(args), actor=_actor(args))
    print(f"evidence #{item.id} '{item.title}' linked to {', '.join(target.ref for target in item.targets)}")
    return 0


def cmd_evidence_list(args: argparse.Namespace, app: App) -> int:
    ref = app.statement(args.qs).ref if args.qs else None
    with _open(args.path, app) as ws:
        found = evidence.list_evidence(
            ws, ref, include_superseded=args.all, include_retired=args.all, unsorted=args.unsorted
        )
        items = [evidence.evidence_dict(i) for i in found]
    if args.json:
        _print_json(items)
        return 0
    rows = [
        [
            str(i["id"]),
            i["title"],
            i["version"],
            i["owner"],
            i["review_due_on"] or "",
            f"replaced by #{i['superseded_by']}"
            if i["superseded_by"]
            else "retired"
            if i["retired_at"]
            else "OVERDUE"
            if i["review_overdue"]
            else "",
            ", ".join(i["statements"]) or "(unsorted)",
        ]
        for i in items
    ]
    print(
        _table(rows, ["#", "Title", "Version", "Owner", "Review due", "", "Statements"]) if rows else "no evidence yet"
    )
    return 0


def cmd_evidence_copy(args: argparse.Namespace, app: App) -> int:
    with _open(args.path, app) as ws:
        target = evidence.export_copy(ws, args.id, Path(args.folder))
    print(target)
    return 0


def cmd_action_add(args: argparse.Namespace, app: App) -> int:
    with _open(args.path, app) as ws:
        action = actions.add_action(
            ws,
            app,
            args.ref,
            args.description,
            owner=args.owner or "",
            due_on=_date(args.due, "--due"),
            status=parse_action_status(args.status),
            actor=_actor(args),
        )
    print(f"action #{action.id} for {action.statement_ref}: {action.description}")
    return 0


def cmd_action_update(args: argparse.Namespace, app: App) -> int:
    with _open(args.path, app) as ws:
        action = actions.update_action(
            ws,
            args.id,
            status=parse_action_status(args.status) if args.status else None,
            owner=args.owner,
            due_on=_date(args.due, "--due"),
            actor=_actor(args),
        )
    print(f"action #{action.id} for {action.statement_ref}: {action.status}")
    return 0


def cmd_action_list(args: argparse.Namespace, app: App) -> int:
    ref = app.statement(args.qs).ref if args.qs else None
    with _open(args.path, app) as ws:
        items = [actions.action_dict(a) for a in actions.list_actions(ws, ref)]
    if args.json:
        _print_json(items)
        return 0
    rows = [
        [
            str(a["id"]),
            a["ref"],
            a["description"][:60],
            a["owner"],
            a["due_on"] or "",
            a["status"] + (" (OVERDUE)" if a["overdue"] else ""),
        ]
        for a in items
    ]
    print(_table(rows, ["#", "QS", "Action", "Owner", "Due", "Status"]) if rows else "no actions yet")
    return 0


def cmd_checklist_list(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services import checklists
    from qsi_desktop.services.applies import applicable_templates

    with _open(args.path, app) as ws:
        answers = checklists.responses(ws)
        templates = app.plugins.checklists() if args.all else applicable_templates(ws, app)
    data = [checklists.checklist_dict(t, answers) for t in templates]
    if args.json:
        _print_json(data)
        return 0
    rows = [[d["id"], d["title"], f"{d['answered']}/{d['total']}", str(d["yes"])] for d in data]
    print(_table(rows, ["Checklist", "Title", "Answered", "Yes"]) if rows else "no checklists for this service")
    return 0


def cmd_checklist_show(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services import checklists

    template = checklists.find_template(app, args.template)
    with _open(args.path, app) as ws:
        data = checklists.checklist_dict(template, checklists.responses(ws, template.id))
    if args.json:
        _print_json(data)
        return 0
    print(f"{data['title']} ({data['answered']} of {data['total']} answered)")
    rows = [
        [i["key"], (i["answer"] or "-"), i["text"][:70], ", ".join(i["statements"]), i["note"][:40]]
        for i in data["items"]
    ]
    print(_table(rows, ["Item", "Answer", "Text", "Statements", "Note"]))
    return 0


def cmd_checklist_answer(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services import checklists

    answer = checklists.parse_answer(args.answer)
    with _open(args.path, app) as ws:
        checklists.answer_item(
            ws, app, args.template, args.item, answer, note=args.note, evidence_id=args.evidence, actor=_actor(args)
        )
    print(f"{args.template} {args.item}: {answer}")
    return 0


def cmd_verify(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services.verify import verify

    with _open(args.path, app) as ws:
        report = verify(ws)
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
    for note in report.notes:
        print(f"note: {note}")
    print(
        f"{'OK' if report.ok else 'FAILED'}: database checked, {report.files_checked} evidence file(s) checked, "
        f"{len(report.problems)} problem(s)"
    )
    return 0 if report.ok else 1


def cmd_import(args: argparse.Namespace, app: App) -> int:
    def progress(done: int, total: int, message: str) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\r{done}/{total} {message}"[:100].ljust(100), end="", file=sys.stderr, flush=True)

    with _open(args.path, app) as ws:
        summary = importing.run_import(
            ws,
            app,
            args.importer,
            [Path(p) for p in args.files],
            actor=_actor(args),
            dry_run=args.dry_run,
            on_progress=progress,
            identifiers=args.identifiers,
            columns=_column_choices(args.map),
        )
    if args.json:
        _print_json(summary.to_dict())
    else:
        if sys.stderr.isatty():
            print(file=sys.stderr)
        verb = "would import" if summary.dry_run else "imported"
        replaced = f", {summary.replaced} earlier record(s) replaced" if summary.replaced else ""
        print(
            f"{summary.importer}: {summary.files} file(s), {verb} {summary.imported} record(s){replaced}, "
            f"{summary.duplicates} duplicate(s), {len(summary.skipped)} skipped, {len(summary.rejected)} rejected"
        )
        if summary.cancelled:
            print("cancelled: nothing was stored")
        elif summary.rejected_whole:
            print(f"rejected: nothing was stored (run {summary.run_id} keeps the reasons: 'qsi import-runs')")
        elif summary.run_id is not None:
            print(f"run {summary.run_id} ('qsi import-undo {args.path} {summary.run_id}' takes it out again)")
        for issue in summary.rejected:
            where = f"{issue.file}" + (f" row {issue.row}" if issue.row else "")
            print(f"  rejected {where}: {issue.reason}")
        for issue in summary.skipped:
            if issue.reason != "blank row":  # file-level notes, such as patient columns not read
                where = f"{issue.file}" + (f" row {issue.row}" if issue.row else "")
                print(f"  skipped {where}: {issue.reason}")
        if summary.columns:
            print("columns chosen: " + ", ".join(f"{h!r} is {c}" for h, c in summary.columns.items()))
        if any(words in issue.reason for issue in summary.rejected for words in _COLUMNS_NOT_FOUND):
            print(f"say which column holds it: --map 'HEADER=COLUMN' (remembered for {summary.importer})")
    return 1 if summary.rejected else 0


_COLUMNS_NOT_FOUND = ("required columns missing", "no header row found")


def _column_choices(given: list[str] | None) -> dict[str, str]:
    """``--map HEADER=COLUMN`` options as header -> column ("" forgets a remembered choice)."""
    chosen: dict[str, str] = {}
    for text in given or ():
        header, sep, column = text.rpartition("=")
        if not sep or not header.strip():
            raise UserError(f"--map {text!r}: write the file's header, '=', then the column, e.g. 'Tag=probe'")
        chosen[header.strip()] = column.strip()
    return chosen


def cmd_import_runs(args: argparse.Namespace, app: App) -> int:
    with _open(args.path, app) as ws:
        if args.run is not None:
            runs = [importing.get_run(ws, args.run)]
        else:
            runs = importing.list_runs(ws, importing.find_importer(app, args.importer).name if args.importer else None)
    if args.json:
        _print_json([run.to_dict() for run in runs])
        return 0
    rows = [
        [
            str(r.id),
            r.importer,
            r.started_at.strftime("%Y-%m-%d %H:%M"),
            r.actor,
            str(r.files),
            str(r.imported),
            str(r.replaced),
            str(r.duplicates),
            str(r.skipped),
            str(r.rejected),
            r.state + (f" by {r.undone_by}" if r.undone_by else ""),
        ]
        for r in runs
    ]
    headers = ["Run", "Importer", "Started", "By", "Files", "New", "Replaced", "Dupl.", "Skipped", "Rejected", "State"]
    print(_table(rows, headers) if rows else "no imports yet")
    for run in runs:
        for issue in run.issues:
            where = f"file {issue.file_number}" + (f" row {issue.row}" if issue.row else "")
            print(f"  {issue.kind} {where}: {issue.reason}")
    return 0


def cmd_import_undo(args: argparse.Namespace, app: App) -> int:
    with _open(args.path, app) as ws:
        run = importing.undo_run(ws, args.run, actor=_actor(args))
    print(f"run {run.id} ({run.importer}) undone: its {run.imported} record(s) were taken out")
    return 0


def cmd_records(args: argparse.Namespace, app: App) -> int:
    importer = importing.find_importer(app, args.importer)
    with _open(args.path, app) as ws:
        records = importing.records_for(
            ws,
            app,
            importer.name,
            since=_date(args.since, "--since"),
            until=_date(args.until, "--until"),
            history=args.history,
        )
    if args.json:
        _print_json(records)
        return 0
    columns = list(importer.columns) or sorted({k for r in records for k in r if k not in ("id", "current")})
    if args.history:
        columns.append("current")
    rows = [[_cell(r.get(c)) for c in columns] for r in records]
    print(_table(rows, columns) if rows else f"no {importer.name} records yet")
    return 0


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def cmd_export(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.export import pack_data, service

    options = pack_data.PackOptions(
        sections=tuple(s for s in (args.sections or "").split(",") if s.strip()),
        standard_text=not args.no_standard_text,
        as_of=_date(args.as_of, "--as-of") or date.today(),
        control=pack_data.DocumentControl(
            version=args.doc_version, status=args.status.title(), author=args.author or "", approver=args.approver or ""
        ),
    )
    if not args.check_only and not args.out:
        raise UserError("say where to write the pack: qsi export PATH OUT.docx (or --check-only)")
    with _open(args.path, app) as ws:
        data, findings = service.prepare(ws, app, options, scan=args.scan)
        result: dict[str, Any] = {"findings": [f.to_dict() for f in findings]}
        if not args.check_only:
            request = service.ExportRequest(
                out=Path(args.out),
                options=options,
                bundle=Path(args.bundle) if args.bundle else None,
                template=Path(args.template) if args.template else None,
            )
            done = service.export(ws, app, data, request)
            result["pack"] = {
                "path": str(done.pack.path),
                "statements": done.pack.statements,
                "evidence": done.pack.evidence,
                "tables": done.pack.tables,
                "pictures": done.pack.pictures,
                "seconds": {k: round(v, 3) for k, v in done.pack.seconds.items()},
            }
            if done.bundle is not None:
                result["bundle"] = {
                    "path": str(done.bundle.path),
                    "files": done.bundle.files,
                    "bytes": done.bundle.bytes,
                }
    if args.json:
        _print_json(result)
    else:
        for finding in findings:
            print(f"check: {finding.message}")
        print(
            f"pre-export check: {len(findings)} finding(s)"
            + (" (export anyway, or fix them first)" if findings else "")
        )
        if "pack" in result:
            written = result["pack"]
            print(f"wrote {written['path']}: {written['statements']} statements, {written['evidence']} evidence items")
        if "bundle" in result:
            print(f"wrote {result['bundle']['path']}: {result['bundle']['files']} evidence files")
    return 1 if args.check_only and findings else 0


def cmd_reminders(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services import reminders

    today = date.today()
    with _open(args.path, app) as ws:
        items = reminders.reminders(ws, app, today=today, days=args.days)
        service = readiness.readiness(ws, app).service
        if args.ics:
            reminders.write_ics(Path(args.ics), items, workspace_id=ws.workspace_id, service=service)
    if args.json:
        _print_json([item.to_dict(today) for item in items])
        return 0
    for item in items:
        late = "  OVERDUE" if item.due_on < today else ""
        print(f"{item.due_on}  {item.kind:<16} {item.title}{late}")
    if not items:
        print(f"nothing due in the next {args.days} days")
    if args.ics:
        print(f"wrote {args.ics}: {len(items)} event(s) to import into Outlook or another calendar")
    return 0


def cmd_self_test(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.selftest import run_self_test

    return 0 if run_self_test() else 1


def cmd_audit(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services.audit import audit_dict, list_audit

    with _open(args.path, app) as ws:
        data = [audit_dict(entry) for entry in list_audit(ws, args.limit)]
    if args.json:
        _print_json(data)
        return 0
    for entry in reversed(data):
        changed = ", ".join(sorted((entry["after"] or entry["before"] or {}).keys()))
        print(f"#{entry['audit_id']}  {entry['at']}  {entry['actor']}  {entry['summary']}  [{changed}]")
    return 0


# -- dose audits (qsi_desktop.dose) -------------------------------------------------------------------

DRL_AUDIT_STATEMENTS = ("XR-501", "XR-604", "CT-904")


def _dose_records(ws: Workspace, app: App, importer: str, since: date | None, until: date | None) -> list[dict]:
    """An importer's current records; none when the importer is not loaded (IR, for a CT-only service)."""
    if app.plugins.importer(importer) is None:
        return []
    return importing.records_for(ws, app, importer, since=since, until=until)


def _stats_cells(stats: Any) -> list[str]:
    return [f"{stats.median:g}", f"{stats.q1:g}-{stats.q3:g}"] if stats else ["", ""]


def _dose_group_row(g: Any) -> list[str]:
    """One CT audit group: medians and quartile ranges of CTDIvol and DLP beside their DRLs."""
    drl_ctdivol, drl_dlp = (g.drl.ctdivol_mgy, g.drl.dlp_mgycm) if g.drl else (None, None)
    return [
        *(g.exam_type, g.device, g.population, g.phantom, str(g.exams)),
        *(*_stats_cells(g.ctdivol), _cell(drl_ctdivol), *_stats_cells(g.dlp), _cell(drl_dlp)),
        *("ABOVE DRL" if g.flagged else "", "; ".join(g.notes)),
    ]


def cmd_dose_audit(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.dose import audit, drl, exam_types, settings

    since, until = _date(args.since, "--from"), _date(args.until, "--to")
    if app.plugins.importer("ct-dose") is None:
        raise UserError("no ct-dose importer is loaded: install the CT plugin's dose importer ('qsi plugins')")
    with _open(args.path, app) as ws:
        chosen = drl.get(ws, args.table) if args.table else None
        ct_table = chosen if chosen is not None and chosen.kind == "ct" else settings.audit_table(ws, "ct")
        ct_table = ct_table or drl.national_ct()
        ir_table = chosen if chosen is not None and chosen.kind == "ir" else settings.audit_table(ws, "ir")
        rules = exam_types.load_rules(ws)
        ct_records = _dose_records(ws, app, "ct-dose", since, until)
        ct = audit.ct_audit(ct_records, ct_table, rules, since=since, until=until)
        ir_records = _dose_records(ws, app, "ir-dose", since, until)
        ir = (
            audit.ir_audit(
                ir_records,
                ir_table,
                exam_types.load_rules(ws, exam_types.IR_MAP_KEY),
                threshold_mgy=settings.threshold_mgy(ws),
                since=since,
                until=until,
            )
            if ir_records
            else None
        )
        saved = _save_dose_audit(ws, app, args, ct, rules, ct_records) if args.save_evidence else None
    if args.json:
        _print_json({"ct": ct.to_dict(), "ir": ir.to_dict() if ir else None, "evidence": saved})
        return 0
    period = f"{since or 'the first record'} to {until or 'the last'}"
    print(f"CT DRL audit, {period}: {ct.exams} exams, {ct.mapped} mapped to an exam type; against {ct.table.name}")
    rows = [_dose_group_row(g) for g in ct.groups]
    headers = ["Exam type", "Scanner", "Patients", "Phantom", "Exams", "CTDIvol", "IQR", "DRL", "DLP", "IQR", "DRL"]
    if rows:
        print(_table(rows, [*headers, "", "Notes"]))
    if ct.unmapped:
        print(f"{ct.exams - ct.mapped} exams without an exam type: 'qsi dose map {args.path}' lists them")
    if ir is not None:
        print(f"IR dose audit: {ir.studies} studies; against {ir.table.name if ir.table else 'no reference table'}")
        ir_rows = [
            [g.procedure, str(g.studies)]
            + [f"{s.median:g}" if s else "" for s in (g.dap, g.rp_dose, g.fluoro_time)]
            + [", ".join(g.above)]
            for g in ir.groups
        ]
        print(_table(ir_rows, ["Procedure", "Studies", "DAP Gy.cm2", "RP mGy", "Fluoro s", "Above reference"]))
        print(f"High-dose studies (RP air kerma above {ir.threshold_mgy:g} mGy): {len(ir.high_dose)}")
        for study in ir.high_dose:
            print(f"  {study.month or ''}  {study.device}  {study.rp_dose_mgy:g} mGy")
    if saved:
        print(f"evidence #{saved['id']} '{saved['title']}' stored for {', '.join(saved['statements'])}")
    return 0


def _save_dose_audit(
    ws: Workspace, app: App, args: argparse.Namespace, ct: Any, rules: list, records: list[dict]
) -> dict[str, Any]:
    """The CT audit as a dated CSV evidence item linked to XR-501, XR-604 and CT-904."""
    import tempfile

    from qsi_desktop.dose.audit import month_of
    from qsi_desktop.dose.export import write_ct_audit_csv

    if not ct.exams:
        raise UserError("no CT dose records in that period: there is no audit to save")
    months = sorted(m for m in (month_of(r) for r in records) if m)
    first = ct.since.isoformat() if ct.since else (f"{months[0]}-01" if months else "start")
    last = (ct.until or date.today()).isoformat()
    reproduce = f"qsi dose audit WORKSPACE --from {first} --to {last} --table {ct.table.name}"
    with tempfile.TemporaryDirectory(prefix="qsi-dose-") as folder:
        path = write_ct_audit_csv(
            ct, rules, Path(folder) / f"ct-drl-audit-{first}-to-{last}.csv", made_on=date.today(), reproduce=reproduce
        )
        details = evidence.EvidenceDetails(title=f"CT DRL audit {first}-{last}", targets=list(DRL_AUDIT_STATEMENTS))
        item = evidence.add_file(ws, app, path, details, actor=_actor(args))
    linked = _link_audit_to_checklist(ws, app, item.id, _actor(args))
    return {
        "id": item.id,
        "title": item.title,
        "statements": [str(t) for t in item.targets],
        "file": item.file_name,
        "checklist_items": linked,
    }


def _link_audit_to_checklist(ws: Workspace, app: App, evidence_id: int, actor: str) -> list[str]:
    """The saved audit becomes the evidence of the CT checklist items it shows (answers left as they are)."""
    from qsi_desktop.dose.export import AUDIT_CHECKLIST_ITEMS
    from qsi_desktop.services import checklists

    template_id, keys = AUDIT_CHECKLIST_ITEMS
    if template_id not in {t.id for t in app.plugins.checklists()}:
        return []  # the CT plugin is not loaded: nothing to link
    answers = checklists.responses(ws, template_id)
    for key in keys:
        stored = answers.get((template_id, key))
        answer = stored.answer if stored is not None else ""
        checklists.answer_item(ws, app, template_id, key, answer, evidence_id=evidence_id, actor=actor)
    return [f"{template_id} {key}" for key in keys]


def cmd_dose_drl(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.dose import drl, settings

    if args.import_csv and not args.name:
        raise UserError("name the table: --import CSV --name NAME")
    with _open(args.path, app) as ws:
        if args.import_csv:
            table = drl.import_csv(ws, args.name, Path(args.import_csv), actor=_actor(args))
            print(f"kept DRL table {table.name} ({table.kind.upper()}, {len(table.ct) + len(table.ir)} entries)")
        if args.remove:
            drl.remove(ws, args.remove, actor=_actor(args))
            print(f"removed DRL table {args.remove}")
        if args.use:
            table = settings.use_table(ws, args.use, actor=_actor(args))
            print(f"the {table.kind.upper()} audit now compares with {table.name}")
        tables = drl.tables(ws)
        in_use = {kind: settings.audit_table(ws, kind) for kind in ("ct", "ir")}
    if args.json:
        _print_json([{**t.to_dict(), "in_use": in_use[t.kind] == t} for t in tables])
        return 0
    rows = [
        [t.name, t.kind.upper(), str(len(t.ct) + len(t.ir)), t.version, "yes" if in_use[t.kind] == t else ""]
        for t in tables
    ]
    print(_table(rows, ["Table", "Kind", "Entries", "Version", "In use"]))
    if in_use["ir"] is None:
        print("no fluoroscopy (IR) table: import one with columns procedure,dap_gycm2,rp_dose_mgy,fluoro_time_s")
    return 0


def cmd_dose_map(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.dose import drl, exam_types

    with _open(args.path, app) as ws:
        for text in args.set or ():
            pattern, sep, exam_type = text.partition("=")
            if not sep:
                raise UserError(f"--set {text!r}: write PATTERN=EXAM_TYPE, e.g. 'CT HEAD*=Head (acute stroke)'")
            exam_types.set_rule(ws, pattern, exam_type, actor=_actor(args))
            known = {e.exam_type.casefold() for t in drl.tables(ws) for e in t.ct}
            if exam_type.strip().casefold() not in known:
                _warn(f"no DRL table has the exam type {exam_type.strip()!r}: its exams are audited without a DRL")
        for pattern in args.remove or ():
            exam_types.remove_rule(ws, pattern, actor=_actor(args))
        rules = exam_types.load_rules(ws)
        found = exam_types.descriptions(rules, _dose_records(ws, app, "ct-dose", None, None))
    if args.json:
        _print_json({"rules": [r.to_dict() for r in rules], "descriptions": [d.to_dict() for d in found]})
        return 0
    if rules:
        print(_table([[r.pattern, r.exam_type] for r in rules], ["Pattern", "Exam type"]))
    rows = [
        [d.text, str(d.count), d.exam_type or "", f"suggested: {d.suggestion}" if d.suggestion else ""] for d in found
    ]
    print(_table(rows, ["Description", "Exams", "Exam type", ""]) if rows else "no CT dose records yet")
    return 0


def cmd_dose_threshold(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.dose import settings

    with _open(args.path, app) as ws:
        if args.set is not None:
            value = None if args.set.lower() == "default" else _mgy(args.set)
            settings.set_threshold_mgy(ws, value, actor=_actor(args))
        threshold = settings.threshold_mgy(ws)
    print(f"IR high-dose threshold: {threshold:g} mGy ({threshold / 1000:g} Gy) reference-point air kerma")
    return 0


def _mgy(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UserError(f"--set {text!r} is not a number of mGy (or 'default')") from None


# -- registers ------------------------------------------------------------------------------------


def cmd_register_list(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services import registers

    with _open(args.path, app) as ws:
        found = app.plugins.registers() if args.all else registers.applicable_registers(ws, app)
        data = [registers.register_dict(r, len(registers.list_rows(ws, r))) for r in found]
    if args.json:
        _print_json(data)
        return 0
    rows = [[d["id"], d["title"], d["modality"] or "", str(d["rows"]), ", ".join(d["statements"])] for d in data]
    print(_table(rows, ["Register", "Title", "Modality", "Rows", "Statements"]) if rows else "no registers apply")
    return 0


def cmd_register_show(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services import registers

    register = registers.find_register(app, args.register)
    with _open(args.path, app) as ws:
        rows = registers.list_rows(ws, register, include_retired=args.all)
    flagged = [(row, registers.row_flags(app, register, row.values)) for row in rows]
    if args.json:
        data = registers.register_dict(register, len(rows))
        data["rows"] = [registers.row_dict(register, row, flags) for row, flags in flagged]
        _print_json(data)
        return 0
    headers = ["#", *(f.label for f in register.fields), "Flags"]
    table = [
        [
            str(row.id) + (" (retired)" if row.retired else ""),
            *(registers.display(f, row.values.get(f.key))[:40] for f in register.fields),
            "; ".join(flags),
        ]
        for row, flags in flagged
    ]
    print(f"{register.title} ({len(rows)} rows)")
    print(_table(table, headers) if table else "no rows yet")
    return 0


def _assignments(values: Sequence[str]) -> dict[str, str]:
    """``FIELD=VALUE`` (or ``COLUMN=FIELD``) pairs; the first ``=`` splits."""
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name.strip():
            raise UserError(f"{value!r}: give NAME=VALUE")
        pairs[name.strip()] = rest.strip()
    return pairs


def cmd_register_add(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services import registers

    register = registers.find_register(app, args.register)
    with _open(args.path, app) as ws:
        row = registers.add_row(ws, register, _assignments(args.set), actor=_actor(args))
    print(f"{register.id}: row {row.id} added ({registers.key_text(register, row.values)})")
    return 0


def cmd_register_retire(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services import registers

    register = registers.find_register(app, args.register)
    with _open(args.path, app) as ws:
        row = registers.find_row(ws, register, args.row)
        registers.retire_row(ws, register, row.id, expected_version=row.row_version, actor=_actor(args))
    print(f"{register.id}: row {row.id} retired ({registers.key_text(register, row.values)})")
    return 0


def cmd_register_import(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services import register_io, registers

    register = registers.find_register(app, args.register)
    mapping = _assignments(args.map) if args.map else None
    with _open(args.path, app) as ws:
        result = register_io.preview(ws, register, Path(args.file), mapping=mapping)
        stored = None if args.dry_run or not result.ok else register_io.commit(ws, register, result, actor=_actor(args))
    if args.json:
        _print_json({**register_io.preview_dict(result), "stored": not args.dry_run and stored is not None})
    else:
        _print_preview(result, stored is not None)
    if not result.ok:
        return 2
    return 1 if result.issues else 0


def _print_preview(result: Any, stored: bool) -> None:
    where = f" sheet {result.sheet!r}," if result.sheet else ""
    print(f"{result.file_name}:{where} header on row {result.header_row}")
    if result.remembered:
        print("columns mapped as last time for files of this shape")
    for column in result.columns:
        target = column.field or {"patient": "(patient data: not read)", "duplicate": "(field already filled)"}.get(
            column.use, "(not read)"
        )
        print(f"  {column.header!r} -> {target}")
    if result.missing:
        print(f"no column for: {', '.join(result.missing)}; map one with --map 'COLUMN=FIELD'")
        for key, names in result.spellings.items():
            print(f"  {key}: accepts {', '.join(names)}")
        return
    verb = "stored" if stored else "would store"
    print(
        f"{verb}: {result.new} new, {result.updated} updated, {result.restored} brought back, "
        f"{result.unchanged} unchanged; {len(result.issues)} rejected, {result.blank_rows} blank"
    )
    for issue in result.issues:
        print(f"  row {issue.row}: {issue.reason}")


def cmd_register_export(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services import register_io, registers

    register = registers.find_register(app, args.register)
    with _open(args.path, app) as ws:
        count = register_io.export_xlsx(ws, register, Path(args.out), include_retired=args.all)
    print(f"{args.out}: {count} rows of {register.title}")
    return 0


# -- parser -----------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qsi", description="QSI Desktop: evidence manager for the Quality Standard for Imaging."
    )
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument(
        "--actor",
        help="name recorded in the audit trail (default: QSI_ACTOR or your login); once a workspace has users, "
        "your login is recorded and only a quality lead may name someone else (recorded as 'NAME (entered by LOGIN)')",
    )
    sub = parser.add_subparsers(metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str, parent: Any = sub) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = command("standards", cmd_standards, "list the quality statements of the loaded catalogue")
    p.add_argument("--section", help="only this section, e.g. XR-5")
    p.add_argument("--json", action="store_true")

    p = command("plugins", cmd_plugins, "list loaded plugins and what each registers")
    p.add_argument("--json", action="store_true")

    p = command("init", cmd_init, "create a workspace")
    p.add_argument("path")
    p.add_argument("--service", required=True, help="name of the imaging service")
    p.add_argument("--organisation", help="e.g. the NHS trust or health board")
    p.add_argument("--sites", help="comma-separated site names")
    p.add_argument("--modalities", help="modalities provided, e.g. CT,MR ('qsi plugins' lists those loaded)")
    p.add_argument("--no-paediatrics", action="store_true", help="the service does not image children")
    p.add_argument(
        "--scope", action="append", metavar="NAME=yes|no", help="what the service does, e.g. paediatric=no (repeatable)"
    )
    p.add_argument(
        "--database",
        metavar="postgresql://USER@HOST[:PORT]/DB",
        help="team mode: keep the database on this (empty) PostgreSQL database; password from PGPASSWORD, "
        ".pgpass or the keyring",
    )

    p = command("demo", cmd_demo, "create a realistic demo workspace")
    p.add_argument("path")

    p = command("profile", cmd_profile, "show or change the service profile (what applies follows it)")
    p.add_argument("path")
    p.add_argument("--service", help="new service name")
    p.add_argument("--organisation")
    p.add_argument("--sites", help="comma-separated site names")
    p.add_argument("--modalities", help="modalities provided, e.g. CT,MR ('' for none)")
    p.add_argument(
        "--paediatrics", action=argparse.BooleanOptionalAction, default=None, help="whether the service images children"
    )
    p.add_argument(
        "--scope", action="append", metavar="NAME=yes|no", help="what the service does, e.g. paediatric=no (repeatable)"
    )
    p.add_argument("--json", action="store_true")

    p = command("status", cmd_status, "readiness, counts per status and section, overdue reviews")
    p.add_argument("path")
    p.add_argument("--json", action="store_true")

    p = command("assess", cmd_assess, "record the assessment of a quality statement")
    p.add_argument("path")
    p.add_argument("ref")
    p.add_argument("--status", help="not-started, in-progress, met, partially-met, not-met, not-applicable")
    p.add_argument("--owner")
    p.add_argument("--narrative")
    p.add_argument("--justification", help="required for not-applicable, and to override the service profile")
    p.add_argument("--review-interval", metavar="MONTHS", help="months between reviews ('none' to clear)")
    p.add_argument(
        "--reviewed", metavar="YYYY-MM-DD", help="date of this review (sets the next review date; 'none' to clear)"
    )
    p.add_argument("--next-review", metavar="YYYY-MM-DD", help="'none' to clear")
    p.add_argument("--sign-off", metavar="NAME", help="who signed the assessment off (empty to clear)")

    evidence_cmd = sub.add_parser("evidence", help="add and list evidence").add_subparsers(metavar="ACTION")
    for name, handler, target, help_text in (
        ("add", cmd_evidence_add, "file", "store a file as evidence"),
        ("link", cmd_evidence_link, "url", "record a link (intranet page, document system) as evidence"),
    ):
        p = command(name, handler, help_text, evidence_cmd)
        p.add_argument("path")
        p.add_argument(target)
        p.add_argument(
            "--qs",
            action="append",
            default=[],
            metavar="REF[,REF...]",
            help="statements it supports; REF:7.a links one suggestion (default with --supersedes: the old one's; "
            "none: the unsorted inbox)",
        )
        p.add_argument("--supersedes", type=int, metavar="ID", help="a new version of evidence item ID")
        if name == "add":
            p.add_argument(
                "--link-existing",
                action="store_true",
                help="when the same file is already stored, link that item (to --qs) instead of storing it again",
            )
            p.add_argument("--json", action="store_true", help="the item as JSON ('existing': true for a retry)")
        p.add_argument("--title")
        p.add_argument("--version")
        p.add_argument("--owner")
        p.add_argument("--doc-ref", help="document control reference")
        p.add_argument("--approved", metavar="YYYY-MM-DD")
        p.add_argument("--review-due", metavar="YYYY-MM-DD")
    p = command("copy", cmd_evidence_copy, "copy a stored evidence file out, checked against its hash", evidence_cmd)
    p.add_argument("path")
    p.add_argument("id", type=int)
    p.add_argument("folder", help="where to put the copy (made read-only, under its original name)")
    p = command("list", cmd_evidence_list, "list evidence", evidence_cmd)
    p.add_argument("path")
    p.add_argument("--qs", help="only evidence for this statement")
    p.add_argument("--all", action="store_true", help="also versions that were superseded, and retired items")
    p.add_argument("--unsorted", action="store_true", help="only the inbox: items not linked to a statement yet")
    p.add_argument("--json", action="store_true")
    p = command("edit", cmd_evidence_edit, "change an item's details, or link it to more statements", evidence_cmd)
    p.add_argument("path")
    p.add_argument("id", type=int)
    p.add_argument("--title")
    p.add_argument("--version")
    p.add_argument("--owner")
    p.add_argument("--doc-ref", help="document control reference")
    p.add_argument("--approved", metavar="DATE", help="'none' to clear")
    p.add_argument("--review-due", metavar="DATE", help="'none' to clear")
    p.add_argument("--qs", action="append", default=[], metavar="REF[,REF...]", help="also supports these statements")
    p = command("retire", cmd_evidence_retire, "retire an item: kept with its history, out of counts", evidence_cmd)
    p.add_argument("path")
    p.add_argument("id", type=int)
    p.add_argument("--undo", action="store_true", help="bring a retired item back into use")
    p = command("where", cmd_evidence_where, "the statements and checklist items an item supports", evidence_cmd)
    p.add_argument("path")
    p.add_argument("id", type=int)
    p.add_argument("--json", action="store_true")
    from qsi_desktop import cli_tree  # import-tree, suggest

    cli_tree.register(evidence_cmd, command)

    action_cmd = sub.add_parser("action", help="action plans").add_subparsers(metavar="ACTION")
    p = command("add", cmd_action_add, "add an action for a statement", action_cmd)
    p.add_argument("path")
    p.add_argument("ref")
    p.add_argument("description")
    p.add_argument("--owner")
    p.add_argument("--due", metavar="YYYY-MM-DD")
    p.add_argument("--status", default="open")
    p = command("update", cmd_action_update, "change an action's status, owner or due date", action_cmd)
    p.add_argument("path")
    p.add_argument("id", type=int)
    p.add_argument("--status")
    p.add_argument("--owner")
    p.add_argument("--due", metavar="YYYY-MM-DD")
    p = command("list", cmd_action_list, "list actions", action_cmd)
    p.add_argument("path")
    p.add_argument("--qs")
    p.add_argument("--json", action="store_true")

    checklist_cmd = sub.add_parser("checklist", help="modality checklists and registers").add_subparsers(
        metavar="ACTION"
    )
    p = command("list", cmd_checklist_list, "checklists for the service's modalities, with progress", checklist_cmd)
    p.add_argument("path")
    p.add_argument(
        "--all", action="store_true", help="also checklists that do not apply (modality not provided, scope not in it)"
    )
    p.add_argument("--json", action="store_true")
    p = command("show", cmd_checklist_show, "a checklist's items and answers", checklist_cmd)
    p.add_argument("path")
    p.add_argument("template", help="checklist id, e.g. us.decontamination")
    p.add_argument("--json", action="store_true")
    p = command("answer", cmd_checklist_answer, "answer one checklist item", checklist_cmd)
    p.add_argument("path")
    p.add_argument("template")
    p.add_argument("item", help="the item's key ('qsi checklist show' lists them)")
    p.add_argument("--answer", required=True, help="yes, partial, no or n/a")
    p.add_argument("--note")
    p.add_argument("--evidence", type=int, metavar="ID", help="the evidence item that shows it")

    register_cmd = sub.add_parser("register", help="registers kept for each modality").add_subparsers(metavar="ACTION")
    p = command("list", cmd_register_list, "registers for the service's modalities, with their rows", register_cmd)
    p.add_argument("path")
    p.add_argument("--all", action="store_true", help="also registers of modalities not provided")
    p.add_argument("--json", action="store_true")
    p = command("show", cmd_register_show, "a register's rows", register_cmd)
    p.add_argument("path")
    p.add_argument("register", help="register id, e.g. us.transducers")
    p.add_argument("--all", action="store_true", help="also retired rows")
    p.add_argument("--json", action="store_true")
    p = command("add", cmd_register_add, "add a row to a register", register_cmd)
    p.add_argument("path")
    p.add_argument("register")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", required=True, help="repeatable")
    p = command("retire", cmd_register_retire, "retire a row (kept with its history)", register_cmd)
    p.add_argument("path")
    p.add_argument("register")
    p.add_argument("row", metavar="ROWKEY", help="the row's number, or its key values ('Main site | Room 2')")
    p = command(
        "import", cmd_register_import, "import rows from .csv or .xlsx (new rows added, others updated)", register_cmd
    )
    p.add_argument("path")
    p.add_argument("register")
    p.add_argument("file")
    p.add_argument(
        "--map", action="append", default=[], metavar="COLUMN=FIELD", help="map a column ('COLUMN=' skips it)"
    )
    p.add_argument("--dry-run", action="store_true", help="show the mapping and what would change; store nothing")
    p.add_argument("--json", action="store_true")
    p = command("export", cmd_register_export, "write a register to a .xlsx workbook", register_cmd)
    p.add_argument("path")
    p.add_argument("register")
    p.add_argument("out", metavar="OUT.xlsx")
    p.add_argument("--all", action="store_true", help="also retired rows")
    from qsi_desktop import cli_register_snapshot

    cli_register_snapshot.register(register_cmd, command)

    p = command("verify", cmd_verify, "check the database and every evidence file's hash")
    p.add_argument("path")

    p = command("import", cmd_import, "run a plugin importer on files or folders")
    p.add_argument("path")
    p.add_argument("importer")
    p.add_argument("files", nargs="+", metavar="FILE_OR_DIR")
    p.add_argument("--json", action="store_true")
    p.add_argument("--dry-run", action="store_true", help="read and report, store nothing")
    p.add_argument(
        "--identifiers",
        choices=importing.IDENTIFIER_CHOICES,
        default="hold",
        help="free text that looks like a patient identifier (hospital number, date of birth, a name after a "
        "title): hold the row back (default), blank that text and store the row, or keep it as it is once "
        "you have checked it is not a patient's; NHS numbers are never stored",
    )
    p.add_argument(
        "--map",
        action="append",
        metavar="HEADER=COLUMN",
        help="for a spreadsheet log: the file's header that holds one of the importer's columns (e.g. "
        "'Tag=probe'), where the accepted spellings do not reach; remembered for the importer ('HEADER=' "
        "forgets it)",
    )

    p = command("import-runs", cmd_import_runs, "list import runs, or one run with its skipped and rejected rows")
    p.add_argument("path")
    p.add_argument("run", type=int, nargs="?", help="one run, with its issues")
    p.add_argument("--importer", help="only this importer's runs")
    p.add_argument("--json", action="store_true")

    p = command("import-undo", cmd_import_undo, "take an import run out whole (what it replaced is current again)")
    p.add_argument("path")
    p.add_argument("run", type=int)

    p = command("records", cmd_records, "list what an importer has stored (current records; --history for all)")
    p.add_argument("path")
    p.add_argument("importer")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only records of this date or later")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="only records of this date or earlier")
    p.add_argument("--history", action="store_true", help="also records replaced by later ones (marked)")
    p.add_argument("--json", action="store_true")

    p = command("export", cmd_export, "write the Word submission pack (and the evidence bundle), after a check")
    p.add_argument("path")
    p.add_argument("out", nargs="?", metavar="OUT.docx", help="the pack to write (not needed with --check-only)")
    p.add_argument("--bundle", metavar="OUT.zip", help="also write the evidence bundle: the pack, evidence, manifest")
    p.add_argument("--sections", metavar="XR-5,CT-9", help="only these sections of the standard")
    p.add_argument("--no-standard-text", action="store_true", help="leave out the quality statements' own words")
    p.add_argument("--template", metavar="T.docx", help="a Word document or template (.dotx) whose styles to use")
    p.add_argument("--check-only", action="store_true", help="only the pre-export check (exit 1 if it finds anything)")
    p.add_argument("--no-scan", dest="scan", action="store_false", help="do not scan evidence files for NHS numbers")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="the date the pack is made for (default today)")
    p.add_argument("--doc-version", default="1.0", metavar="V", help="the pack's version in document control")
    p.add_argument("--status", choices=("draft", "final"), default="draft")
    p.add_argument("--author", help="who prepared the pack (document control)")
    p.add_argument("--approver", help="who approved it (document control)")
    p.add_argument("--json", action="store_true")

    p = command("reminders", cmd_reminders, "what falls due: reviews of statements and evidence, actions")
    p.add_argument("path")
    p.add_argument("--days", type=int, default=90, help="how far ahead (default 90); overdue ones always show")
    p.add_argument("--ics", metavar="OUT.ics", help="also write them as a calendar file for Outlook")
    p.add_argument("--json", action="store_true")

    p = command("audit", cmd_audit, "show the audit trail, newest last")
    p.add_argument("path")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")

    from qsi_desktop import cli_safety

    cli_safety.register(sub, command)

    command("self-test", cmd_self_test, "check the installation in a temporary folder (exit 1: a step failed)")
    from qsi_desktop import cli_tracker  # the tracker, cycle and compare commands

    cli_tracker.register(sub, command)

    dose_cmd = sub.add_parser("dose", help="dose audits against DRLs, exam types, IR high-dose list").add_subparsers(
        metavar="ACTION"
    )
    p = command("audit", cmd_dose_audit, "the CT DRL audit (and the IR audit and high-dose list)", dose_cmd)
    p.add_argument("path")
    p.add_argument("--from", dest="since", metavar="YYYY-MM-DD", help="exams of this date or later")
    p.add_argument("--to", dest="until", metavar="YYYY-MM-DD", help="exams of this date or earlier")
    p.add_argument("--table", metavar="NAME", help="compare with this DRL table ('qsi dose drl' lists them)")
    p.add_argument("--save-evidence", action="store_true", help="store the audit as a CSV evidence item")
    p.add_argument("--json", action="store_true")
    p = command("drl", cmd_dose_drl, "list DRL tables; import, remove or choose one", dose_cmd)
    p.add_argument("path")
    p.add_argument("--import", dest="import_csv", metavar="CSV", help="a table from a CSV file (with --name)")
    p.add_argument("--name", help="the imported table's name: lowercase letters, digits and hyphens")
    p.add_argument("--remove", metavar="NAME", help="remove a user table")
    p.add_argument("--use", metavar="NAME", help="make the audits and the pack compare with this table")
    p.add_argument("--json", action="store_true")
    p = command("map", cmd_dose_map, "CT descriptions and their exam types, with suggestions", dose_cmd)
    p.add_argument("path")
    p.add_argument("--set", action="append", metavar="PATTERN=EXAM_TYPE", help="map a pattern (repeatable)")
    p.add_argument("--remove", action="append", metavar="PATTERN", help="remove a mapping rule (repeatable)")
    p.add_argument("--json", action="store_true")
    p = command("threshold", cmd_dose_threshold, "show or set the IR high-dose threshold", dose_cmd)
    p.add_argument("path")
    p.add_argument("--set", metavar="MGY", help="reference-point air kerma in mGy ('default': 5000)")
    from qsi_desktop import cli_zone_maps

    cli_zone_maps.register(sub, command)
    from qsi_desktop import cli_team

    cli_team.register(sub, command)
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
