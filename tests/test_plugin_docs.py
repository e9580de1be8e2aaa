"""docs/PLUGINS.md documents every hook, argument and registration type (datasette's
test_plugin_hooks_are_documented), and its snippets stay those of the example plugin."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path

import pytest

from qsi_desktop.plugins import gui_hookspecs, hookspecs, types
from qsi_desktop.plugins.markers import MINIMUM_PLUGIN_API_VERSION, PLUGIN_API_VERSION, PROJECT_NAME

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "PLUGINS.md").read_text(encoding="utf-8")
EXAMPLE = ROOT / "examples" / "qsi-plugin-example"


def _hookspecs() -> dict[str, list[str]]:
    """Every ``qsi_*`` hook specification, with its argument names."""
    specs = {}
    for module in (hookspecs, gui_hookspecs):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("qsi_") and hasattr(function, f"{PROJECT_NAME}_spec"):
                specs[name] = list(inspect.signature(function).parameters)
    return specs


HOOKS = _hookspecs()


def _section(heading: str) -> str:
    """The text under ``### heading`` up to the next heading of level 2 or 3."""
    match = re.search(rf"^### {re.escape(heading)}\s*$(.*?)(?=^##?# |\Z)", DOC, re.MULTILINE | re.DOTALL)
    assert match, f"docs/PLUGINS.md has no '### {heading}' heading"
    return match.group(1)


def _code_blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", DOC, re.MULTILINE | re.DOTALL)


def test_the_hooks_are_found() -> None:
    assert len(HOOKS) >= 7 and "qsi_register_panels" in HOOKS
    assert HOOKS["qsi_register_standards_sections"] == ["framework_id"]


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_every_hook_is_documented_with_its_arguments(hook: str) -> None:
    text = _section(hook)
    assert f"{hook}(" in text, f"{hook}: give its signature under its heading"
    for argument in HOOKS[hook]:
        assert re.search(rf"\b{argument}\b", text), f"{hook}: argument {argument!r} is not mentioned"
    assert "```python" in text, f"{hook}: give a short example"


def test_no_heading_documents_a_hook_that_does_not_exist() -> None:
    documented = set(re.findall(r"^### (qsi_\w+)\s*$", DOC, re.MULTILINE))
    assert documented == set(HOOKS)


def _public_types() -> list[str]:
    return [
        name
        for name, value in vars(types).items()
        if inspect.isclass(value)
        and value.__module__ == types.__name__
        and not name.startswith("_")
        and (dataclasses.is_dataclass(value) or getattr(value, "_is_protocol", False))
    ]


def test_the_types_are_found() -> None:
    assert {"Modality", "Scope", "Importer", "ImportedRecord", "Panel", "ReportContext"} <= set(_public_types())


@pytest.mark.parametrize("name", _public_types())
def test_every_registration_type_is_mentioned(name: str) -> None:
    assert re.search(rf"`{name}[(`]", DOC), f"docs/PLUGINS.md does not mention {name}"


def test_the_api_versions_and_their_changelog_are_current() -> None:
    assert f"API **{PLUGIN_API_VERSION}**" in DOC and f"API **{MINIMUM_PLUGIN_API_VERSION}**" in DOC
    changelog = DOC.split("\n## Changelog\n", 1)
    assert len(changelog) == 2, "docs/PLUGINS.md has no '## Changelog' heading"
    assert f"\n### API {PLUGIN_API_VERSION}\n" in changelog[1], "add the new API version to the changelog"


def _assert_lines_in(snippet: str, source: str, where: str) -> None:
    lines = [line.strip() for line in snippet.splitlines()]
    missing = [line for line in lines if line and line != "..." and line not in source]
    assert not missing, f"docs/PLUGINS.md snippet lines not in {where}: {missing}"


def test_the_pyproject_snippet_is_the_example_plugins() -> None:
    (snippet,) = _code_blocks("toml")
    _assert_lines_in(snippet, (EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"), "the example pyproject")


@pytest.mark.parametrize(
    ("starts", "module"),
    [
        ("MODALITY = Modality(", "plugin.py"),
        ("BREAST_SCREENING = Scope(", "plugin.py"),
        ("def qsi_register_standards_sections(", "plugin.py"),
        ("IMPORTER = Importer(", "phantom_log.py"),
        ("def upgrade(", "phantom_log.py"),
        ("PHANTOM_SUMMARY = ReportSection(", "report.py"),
    ],
)
def test_python_snippets_match_the_example(starts: str, module: str) -> None:
    """A snippet's definition is the example's, line for line (values elided with ``...`` aside)."""
    source = (EXAMPLE / "qsi_plugin_example" / module).read_text(encoding="utf-8")
    found = 0
    for block in _code_blocks("python"):
        for chunk in re.split(r"\n(?=\S)", block):  # top-level statements
            if chunk.startswith(starts):
                found += 1
                lines = [line for line in chunk.splitlines() if "..." not in line and "#" not in line]
                _assert_lines_in("\n".join(lines), source, module)
    assert found, f"no snippet starts with {starts!r}"
