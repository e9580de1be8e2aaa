"""Helpers for plugin authors' tests: import and report contexts that need no workspace, and
:func:`check_plugin`, the conformance test every plugin (the built-ins included) runs."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from qsi_desktop.catalogue.loader import DEFAULT_FRAMEWORK_ID
from qsi_desktop.plugins.manager import PluginManager
from qsi_desktop.plugins.types import (
    REPORT_BLOCK_TYPES,
    ImportedRecord,
    Importer,
    ImportIssue,
    occurred_in_range,
)
from qsi_desktop.privacy import keyed_hash


@dataclass
class SimpleImportContext:
    """An :class:`~qsi_desktop.plugins.types.ImportContext` for tests: records progress, cancels on demand."""

    secret: bytes = b"test-secret"
    cancel_after: int | None = None  # report cancelled once this many progress calls were made
    calls: list[tuple[int, int, str]] = field(default_factory=list)

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.calls.append((done, total, message))

    def is_cancelled(self) -> bool:
        return self.cancel_after is not None and len(self.calls) >= self.cancel_after

    def keyed_hash(self, *values: str) -> str:
        return keyed_hash(self.secret, *values)


@dataclass
class SimpleReportContext:
    """A :class:`~qsi_desktop.plugins.types.ReportContext` for tests: records and answers given up front."""

    records_by_importer: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    provided: frozenset[str] = frozenset()
    as_of: date = field(default_factory=date.today)
    answers: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    service: dict[str, Any] = field(default_factory=dict)
    states: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    rows_by_register: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    zone_maps: dict[tuple[str, int], Any] = field(default_factory=dict)  # (register id, row id): ZoneMap

    def records(self, importer: str, *, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        """Records given up front, filtered on ``occurred_on`` like the workspace's context."""
        return [
            r
            for r in self.records_by_importer.get(importer, [])
            if occurred_in_range(r.get("occurred_on"), since, until)
        ]

    def modalities(self) -> frozenset[str]:
        return self.provided

    def checklist_answers(self, template_id: str) -> dict[str, dict[str, Any]]:
        return dict(self.answers.get(template_id, {}))

    def profile(self) -> dict[str, Any]:
        base = {"name": "Test service", "organisation": "", "sites": [], "scopes": {}}
        return {**base, "modalities": sorted(self.provided), **self.service}

    def statements(self) -> list[dict[str, Any]]:
        return list(self.states)

    def evidence(self) -> list[dict[str, Any]]:
        return list(self.items)

    def register_rows(self, register_id: str) -> list[dict[str, Any]]:
        return list(self.rows_by_register.get(register_id, []))

    def zone_map(self, register_id: str, row_id: int) -> Any:
        return self.zone_maps.get((register_id, row_id))


# -- the conformance check ----------------------------------------------------------------------------


def check_plugin(module: str | ModuleType, *, framework_id: str = DEFAULT_FRAMEWORK_ID) -> PluginManager:
    """Assert that a plugin meets the platform's contract; returns the manager for more checks.

    It loads without failure or warning beside the core; its hooks are spelt right; every statement
    reference it uses resolves; its ids are unique and prefixed with its name (``"dx.checklist"``,
    importer ``"dx-phantom-log"``); each modality names its own section; importing it does not
    load Qt; every report section renders on an empty workspace, with its modality provided and
    without; every importer turns an empty and a garbled file into issues, not an exception.
    """
    module_name = module if isinstance(module, str) else module.__name__
    manager = PluginManager([module])
    manager.load_all(framework_id)
    assert not manager.failures, f"plugin failed to load: {manager.failures}"
    assert not manager.warnings, f"plugin registered something that does not fit: {manager.warnings}"
    manager.check_pending()
    (info,) = [i for i in manager.plugins() if i.name != "core"]
    catalogue = manager.catalogue(framework_id)

    def resolves(refs: Iterable[str], where: str) -> None:
        for ref in refs:
            assert catalogue.get(ref) is not None, f"{where}: unknown quality statement {ref}"

    prefix = info.name
    for template in manager.checklists():
        assert template.id.startswith(f"{prefix}."), f"checklist {template.id} is not prefixed '{prefix}.'"
        assert template.items and len({i.key for i in template.items}) == len(template.items), template.id
        resolves(template.statement_refs, f"checklist {template.id}")
        for item in template.items:
            resolves(item.statement_refs, f"checklist {template.id} item {item.key}")
    for importer in manager.importers():
        assert importer.name.startswith(f"{prefix}-"), f"importer {importer.name} is not prefixed '{prefix}-'"
        assert (importer.read is None) != (importer.run is None), f"importer {importer.name}: give read or run"
        resolves(importer.statement_refs, f"importer {importer.name}")
        _check_bad_files(importer)
    for section in manager.report_sections():
        assert section.id.startswith(f"{prefix}."), f"report section {section.id} is not prefixed '{prefix}.'"
        resolves(section.statement_refs, f"report section {section.id}")
        if section.section_ref is not None:
            assert catalogue.section(section.section_ref), (
                f"report section {section.id}: no section {section.section_ref}"
            )
        for provided in (frozenset(m.code for m in manager.modalities(framework_id)), frozenset()):
            blocks = section.render(SimpleReportContext(provided=provided))
            assert isinstance(blocks, list), f"report section {section.id} returned {type(blocks).__name__}"
            for block in blocks:
                assert isinstance(block, REPORT_BLOCK_TYPES), f"{section.id}: {type(block).__name__}"
    for register in manager.registers():
        assert register.id.startswith(f"{prefix}."), f"register {register.id} is not prefixed '{prefix}.'"
        resolves(register.statement_refs, f"register {register.id}")
        if register.flags is not None:
            flags = register.flags({}, date.today())  # an empty row must not break it
            assert all(isinstance(f, str) for f in flags), f"register {register.id}: flags must be text"
    for panel in manager.panels():
        assert panel.id.startswith(f"{prefix}."), f"panel {panel.id} is not prefixed '{prefix}.'"
    if importlib.util.find_spec(module_name.split(".")[0]) is not None:  # a module built in a test is not
        code = f"import sys, {module_name}; assert 'PySide6' not in sys.modules, 'importing the plugin loads Qt'"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # the test's path too
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
        assert done.returncode == 0, f"importing {module_name} in a fresh Python failed:\n{done.stderr}"
    return manager


def _check_bad_files(importer: Importer) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, content in (("empty", b""), ("garbled", b"\x00\xff\xfe" * 64 + b"\n,,;\t\n")):
            suffix = importer.patterns[0].lstrip("*") if importer.patterns else ".txt"
            path = Path(folder) / f"{name}{suffix if suffix.startswith('.') else '.txt'}"
            path.write_bytes(content)
            context = SimpleImportContext()
            if importer.read is not None:
                items = list(importer.read(path, context))
            else:
                assert importer.run is not None
                batch = importer.run([path], context)
                items = [*batch.records, *batch.skipped, *batch.rejected]
            records = [i for i in items if isinstance(i, ImportedRecord)]
            assert not records, f"importer {importer.name} made records of a {name} file"
            assert all(isinstance(i, ImportIssue) for i in items), f"importer {importer.name}: yielded odd values"
