"""The plugin system: every hook documented and exercised, failures isolated, discovery switchable."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from qsi_desktop import hookimpl
from qsi_desktop.catalogue.model import Item, Section, Statement
from qsi_desktop.plugins import gui_hookspecs, hookspecs
from qsi_desktop.plugins.manager import PluginManager
from qsi_desktop.plugins.types import (
    ChecklistItem,
    ChecklistTemplate,
    ImportBatch,
    Importer,
    Modality,
    Panel,
    Paragraph,
    ReportSection,
)

ROOT = Path(__file__).resolve().parents[1]


def _module(name: str, **attrs: object) -> ModuleType:
    module = ModuleType(name)
    for key, value in attrs.items():
        setattr(module, key, value)
    return module


FRAMEWORK = "qsi-2026-draft"


def _section(framework_id: str = FRAMEWORK, scope: tuple[str, ...] = (), ref: str = "ZZ-1") -> Section:
    statement = Statement(
        ref=f"{ref[:-2]}-{ref[-1]}01",
        section_ref=ref,
        name="Sample",
        statement="Something good happens.",
        outcome="It can be shown.",
        suggestions=(Item("A suggestion"),),
        notes=(),
        scope=scope,
        framework_id=framework_id,
    )
    return Section(
        ref=ref,
        title="Sample section",
        statements=(statement,),
        modality=ref[:2] if not ref.startswith("XR") else None,
        framework_id=framework_id,
    )


def _sample_plugin() -> ModuleType:
    @hookimpl
    def qsi_register_standards_sections() -> list[Section]:  # written for API 1: no framework_id
        return [_section()]

    @hookimpl
    def qsi_register_modalities() -> list[Modality]:
        return [Modality("ZZ", "Sample modality", "ZZ-1")]

    @hookimpl
    def qsi_register_checklists() -> list[ChecklistTemplate]:
        return [
            ChecklistTemplate("zz.check", "Sample checklist", "ZZ", (ChecklistItem("one", "First item", ("ZZ-101",)),))
        ]

    @hookimpl
    def qsi_register_importers() -> list[Importer]:
        return [
            Importer(
                name="zz-log",
                title="Sample log",
                run=lambda paths, ctx: ImportBatch(files=len(paths)),
                patterns=("*.zz",),
            )
        ]

    @hookimpl
    def qsi_register_report_sections() -> list[ReportSection]:
        return [ReportSection("zz.summary", "Sample summary", lambda ctx: [Paragraph("All good.")], order=5)]

    @hookimpl
    def qsi_register_panels() -> list[Panel]:
        return [Panel("zz.panel", "Sample panel", lambda parent, ctx: None, "ZZ")]  # lazy Qt: the factory imports it

    return _module(
        "sample_plugin",
        PLUGIN_NAME="sample",
        __version__="9.9",
        qsi_register_standards_sections=qsi_register_standards_sections,
        qsi_register_modalities=qsi_register_modalities,
        qsi_register_checklists=qsi_register_checklists,
        qsi_register_importers=qsi_register_importers,
        qsi_register_report_sections=qsi_register_report_sections,
        qsi_register_panels=qsi_register_panels,
    )


def test_every_hook_is_prefixed_documented_and_tested() -> None:
    this_file = Path(__file__).read_text()
    for module in (hookspecs, gui_hookspecs):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if not hasattr(function, "qsi_desktop_spec"):
                continue
            assert name.startswith("qsi_"), name
            assert function.__doc__ and "versionadded" in function.__doc__, f"{name} has no documentation"
            assert f"def test_{name.removeprefix('qsi_')}" in this_file, f"{name} has no test"


def test_register_standards_sections() -> None:
    pm = PluginManager([_sample_plugin()])
    refs = [s.ref for s in pm.standards_sections()]
    assert "ZZ-1" in refs and "XR-1" in refs  # the core registers XR through the same hook
    assert pm.catalogue().get("zz-101").name == "Sample"


def test_register_modalities() -> None:
    assert PluginManager([_sample_plugin()]).modalities() == [Modality("ZZ", "Sample modality", "ZZ-1")]


def test_register_checklists() -> None:
    (template,) = PluginManager([_sample_plugin()]).checklists()
    assert template.id == "zz.check" and template.items[0].statement_refs == ("ZZ-101",)


def test_register_importers(tmp_path: Path) -> None:
    pm = PluginManager([_sample_plugin()])
    importer = pm.importer("zz-log")
    assert importer is not None and pm.importer("nope") is None
    assert importer.run([tmp_path / "a.zz"], None).files == 1


def test_register_report_sections() -> None:
    (section,) = PluginManager([_sample_plugin()]).report_sections()
    assert section.render(None) == [Paragraph("All good.")]


def test_register_panels() -> None:
    pm = PluginManager([_sample_plugin()])
    (panel,) = pm.panels()  # registering builds nothing: only the GUI calls the factory, guarded
    assert panel.id == "zz.panel" and pm.plugin_of(panel) == "sample"


def test_register_scopes() -> None:
    from qsi_desktop.plugins.types import Scope

    @hookimpl
    def qsi_register_scopes() -> list[Scope]:
        return [Scope("out-of-hours", "out-of-hours imaging", "The service images out of hours")]

    @hookimpl
    def qsi_register_standards_sections(framework_id: str) -> list[Section]:
        return [_section(framework_id, scope=("out-of-hours",), ref="YY-9")]

    plugin = _module(
        "ooh",
        PLUGIN_NAME="ooh",
        qsi_register_scopes=qsi_register_scopes,
        qsi_register_standards_sections=qsi_register_standards_sections,
    )
    pm = PluginManager([plugin])
    assert [s.id for s in pm.scopes()] == ["paediatric", "out-of-hours"]
    assert pm.catalogue().get("YY-901").scope == ("out-of-hours",)
    assert not pm.failures


def test_register_registers() -> None:
    from qsi_desktop.plugins.types import Register, RegisterField

    units = Register(
        id="zz.units",
        title="Units",
        fields=(RegisterField("room", "Room"), RegisterField("tesla", "Field strength", kind="number", unit="T")),
        key_fields=("room",),
        modality="ZZ",
    )

    @hookimpl
    def qsi_register_registers() -> list[Register]:
        return [units]

    pm = PluginManager([_module("zz", PLUGIN_NAME="zz", qsi_register_registers=qsi_register_registers)])
    assert pm.registers() == [units] and pm.register("zz.units") is units and pm.register("zz.none") is None
    assert pm.plugin_of(units) == "zz" and not pm.failures


@pytest.mark.parametrize(
    ("fields", "key_fields", "error"),
    [
        ((), ("room",), "has no fields"),
        (("Room",), ("Room",), "is not lowercase letters"),
        (("room", "room"), ("room",), "a field key is used twice"),
        (("room",), ("site",), "key_fields must name some of its fields"),
    ],
)
def test_a_register_that_cannot_be_kept_fails_its_plugin(
    fields: tuple[str, ...], key_fields: tuple[str, ...], error: str
) -> None:
    from qsi_desktop.plugins.types import Register, RegisterField

    @hookimpl
    def qsi_register_registers() -> list[Register]:
        return [Register("bad.reg", "Bad", tuple(RegisterField(k, k) for k in fields), key_fields)]

    pm = PluginManager([_module("bad", PLUGIN_NAME="bad", qsi_register_registers=qsi_register_registers)])
    assert pm.registers() == [] and error in pm.failures[0].error


def test_a_choice_field_without_choices_or_an_unknown_kind_fails_its_plugin() -> None:
    from qsi_desktop.plugins.types import Register, RegisterField

    for field, error in (
        (RegisterField("label", "Label", kind="choice"), "lists no choices"),
        (RegisterField("label", "Label", kind="colour"), "unknown kind 'colour'"),  # type: ignore[arg-type]
    ):

        @hookimpl
        def qsi_register_registers(field: RegisterField = field) -> list[Register]:
            return [Register("bad.reg", "Bad", (field,), ("label",))]

        pm = PluginManager([_module("bad", PLUGIN_NAME="bad", qsi_register_registers=qsi_register_registers)])
        assert pm.registers() == [] and error in pm.failures[0].error


def test_a_section_using_a_scope_nobody_registers_fails_its_plugin() -> None:
    @hookimpl
    def qsi_register_standards_sections() -> list[Section]:
        return [_section(scope=("night-shifts",))]

    pm = PluginManager(
        [_module("odd", PLUGIN_NAME="odd", qsi_register_standards_sections=qsi_register_standards_sections)]
    )
    assert pm.catalogue().section("ZZ-1") is None
    assert "uses scope night-shifts, which no plugin registers" in pm.failures[0].error


def test_hooks_get_their_arguments_by_name_and_frameworks_load_side_by_side() -> None:
    seen: list[str] = []

    @hookimpl
    def qsi_register_standards_sections(framework_id: str) -> list[Section]:
        seen.append(framework_id)
        return [_section(framework_id)] if framework_id == "qsi-2027" else []

    later = _module("later", PLUGIN_NAME="later", qsi_register_standards_sections=qsi_register_standards_sections)
    pm = PluginManager([later])
    assert pm.catalogue("qsi-2027").get("ZZ-101").framework_id == "qsi-2027"
    assert pm.catalogue(FRAMEWORK).get("ZZ-101") is None and pm.catalogue(FRAMEWORK).get("XR-101") is not None
    assert pm.catalogue("qsi-2027").get("XR-101") is None  # the core has no data file for it
    assert seen == ["qsi-2027", FRAMEWORK]
    # The sample plugin's hook takes no argument (API 1) and still loads beside it.
    assert PluginManager([_sample_plugin(), later]).catalogue().get("ZZ-101") is not None


def test_a_section_of_another_framework_is_left_out_with_a_reason() -> None:
    @hookimpl
    def qsi_register_standards_sections() -> list[Section]:
        return [_section("qsi-2019")]

    pm = PluginManager(
        [_module("old", PLUGIN_NAME="old", qsi_register_standards_sections=qsi_register_standards_sections)]
    )
    assert pm.catalogue().section("ZZ-1") is None and not pm.failures
    assert pm.warnings[0].name == "old" and "belongs to framework 'qsi-2019'" in pm.warnings[0].error


def test_a_modality_must_name_a_section_of_its_own() -> None:
    @hookimpl
    def qsi_register_standards_sections(framework_id: str) -> list[Section]:
        return [_section(framework_id)]

    @hookimpl
    def qsi_register_modalities() -> list[Modality]:
        return [Modality("QQ", "Nowhere", "QQ-9"), Modality("XR", "Not a modality section", "XR-1")]

    lost = _module(
        "lost",
        PLUGIN_NAME="lost",
        qsi_register_modalities=qsi_register_modalities,
        qsi_register_standards_sections=qsi_register_standards_sections,
    )
    pm = PluginManager([lost])
    assert pm.modalities() == []
    assert [w.error for w in pm.warnings] == [
        "modality QQ names section QQ-9, which is not loaded for qsi-2026-draft: left out",
        "modality XR names section XR-1, which is for every service: left out",
    ]
    # A plugin with nothing for a framework (one it does not cover yet) offers no modality, quietly.
    only = _module("only", PLUGIN_NAME="only", qsi_register_modalities=lambda: [Modality("QQ", "Q", "QQ-9")])
    only.qsi_register_modalities = hookimpl(only.qsi_register_modalities)
    pm = PluginManager([only])
    assert pm.modalities() == [] and pm.warnings == []


def test_registration_types_are_frozen() -> None:
    modality = Modality("ZZ", "Sample", "ZZ-1")
    with pytest.raises(AttributeError):
        modality.code = "YY"  # type: ignore[misc]


def test_plugin_info_lists_what_each_plugin_registers() -> None:
    pm = PluginManager([_sample_plugin()])
    info = {i.name: i for i in pm.plugins()}
    assert info["sample"].version == "9.9"
    assert info["sample"].registers["importers"] == ["zz-log"]
    assert info["core"].registers["standards_sections"][:2] == ["XR-1", "XR-2"]
    assert info["core"].registers["scopes"] == ["paediatric"]


def test_a_plugin_that_fails_to_import_is_reported_and_the_rest_load(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "broken_plugin.py").write_text("raise ImportError('missing dependency foo')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    pm = PluginManager(["broken_plugin", _sample_plugin()])
    assert [(f.name, f.error) for f in pm.failures] == [
        ("broken_plugin", "ImportError: missing dependency foo (at broken_plugin.py line 1)")
    ]
    assert [m.code for m in pm.modalities()] == ["ZZ"]


def test_a_plugin_whose_hook_raises_is_dropped_with_its_error() -> None:
    @hookimpl
    def qsi_register_modalities() -> list[Modality]:
        raise ValueError("bad data file")

    pm = PluginManager(
        [_module("bad", PLUGIN_NAME="bad", qsi_register_modalities=qsi_register_modalities), _sample_plugin()]
    )
    assert [m.code for m in pm.modalities()] == ["ZZ"]
    assert pm.failures[0].name == "bad" and "bad data file" in pm.failures[0].error
    assert "bad" not in {i.name for i in pm.plugins()}


def test_a_hook_returning_the_wrong_type_is_a_failure() -> None:
    @hookimpl
    def qsi_register_modalities() -> list[dict]:
        return [{"code": "ZZ"}]

    pm = PluginManager([_module("loose", PLUGIN_NAME="loose", qsi_register_modalities=qsi_register_modalities)])
    assert pm.modalities() == []
    assert "expected Modality" in pm.failures[0].error


def test_a_plugin_needing_a_newer_api_is_refused() -> None:
    pm = PluginManager([_module("future", PLUGIN_NAME="future", QSI_PLUGIN_API_VERSION=99)])
    assert "needs plugin API 99" in pm.failures[0].error


def test_check_pending_catches_a_misspelt_hook() -> None:
    @hookimpl
    def qsi_register_modalitys() -> list[Modality]:
        return []

    pm = PluginManager([_module("typo", PLUGIN_NAME="typo", qsi_register_modalitys=qsi_register_modalitys)])
    with pytest.raises(Exception, match="qsi_register_modalitys"):
        pm.check_pending()
    PluginManager([_sample_plugin()]).check_pending()  # a correct plugin passes


def test_builtin_plugins_pass_check_pending() -> None:
    from tests.conftest import ALL_PLUGINS

    pm = PluginManager(ALL_PLUGINS)
    pm.check_pending()
    assert not pm.failures
    assert [m.code for m in pm.modalities()] == ["CT", "IR", "MR", "NM", "US"]


def _run_plugins_command(env_extra: dict[str, str]) -> str:
    import json
    import os

    env = {k: v for k, v in os.environ.items() if k != "QSI_DISABLE_PLUGIN_DISCOVERY"} | env_extra
    out = subprocess.run(
        [sys.executable, "-m", "qsi_desktop", "plugins", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
        check=True,
    ).stdout
    return sorted(p["name"] for p in json.loads(out)["plugins"])


def test_discovery_finds_the_installed_plugins_and_the_env_var_turns_it_off() -> None:
    assert _run_plugins_command({}) == ["core", "ct", "ir", "mg", "mr", "nm", "us"]  # mg: the example plugin
    assert _run_plugins_command({"QSI_DISABLE_PLUGIN_DISCOVERY": "1"}) == ["core"]


def test_builtin_fallback_list_loads_plugins_without_entry_points(tmp_path: Path) -> None:
    # A frozen build has no distribution metadata: hide the entry points and the literal list must still work.
    script = textwrap.dedent("""
        import importlib.metadata as md
        md.entry_points = lambda **kw: []
        import qsi_desktop.plugins.manager as m
        m.entry_points = md.entry_points
        pm = m.PluginManager()
        print(sorted(i.name for i in pm.plugins()))
    """)
    import os

    env = {k: v for k, v in os.environ.items() if k != "QSI_DISABLE_PLUGIN_DISCOVERY"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == str(["core", "ct", "ir", "mr", "nm", "us"])


def test_a_plugin_claiming_a_section_already_registered_is_dropped() -> None:
    @hookimpl
    def qsi_register_standards_sections() -> list[Section]:
        return [_section()]

    copycat = _module("copycat", PLUGIN_NAME="copycat", qsi_register_standards_sections=qsi_register_standards_sections)
    pm = PluginManager([_sample_plugin(), copycat])
    assert [s.ref for s in pm.standards_sections()].count("ZZ-1") == 1
    assert pm.failures == [pm.failures[0]] and pm.failures[0].name == "copycat"
    assert "ZZ-1 is registered twice (also by plugin sample)" in pm.failures[0].error
    assert len(pm.catalogue()) == len(PluginManager([]).catalogue()) + 1


def test_importer_names_must_be_unique_across_plugins() -> None:
    @hookimpl
    def qsi_register_importers() -> list[Importer]:
        return [Importer(name="zz-log", title="Another", run=lambda paths, ctx: ImportBatch(), patterns=("*.zz",))]

    pm = PluginManager(
        [_sample_plugin(), _module("other", PLUGIN_NAME="other", qsi_register_importers=qsi_register_importers)]
    )
    assert [i.title for i in pm.importers()] == ["Sample log"]
    assert "importer zz-log is registered twice" in pm.failures[0].error


def test_a_plugin_api_version_that_is_not_a_number_is_refused() -> None:
    pm = PluginManager([_module("odd", PLUGIN_NAME="odd", QSI_PLUGIN_API_VERSION="2")])
    assert "must be a whole number" in pm.failures[0].error


def test_load_all_reports_a_misspelt_hook_as_a_failed_plugin() -> None:
    @hookimpl
    def qsi_register_importer() -> list[Importer]:
        return []

    pm = PluginManager(
        [_module("typo2", PLUGIN_NAME="typo2", qsi_register_importer=qsi_register_importer), _sample_plugin()]
    )
    names = [i.name for i in pm.plugins()]
    assert "typo2" not in names and "sample" in names
    assert pm.failures[0].name == "typo2" and "qsi_register_importer" in pm.failures[0].error


def test_a_hook_that_raises_is_reported_with_the_hook_and_where() -> None:
    @hookimpl
    def qsi_register_checklists() -> list[ChecklistTemplate]:
        return {}["oops"]

    pm = PluginManager([_module("buggy", PLUGIN_NAME="buggy", qsi_register_checklists=qsi_register_checklists)])
    pm.load_all()
    (failure,) = pm.failures
    assert failure.error.startswith("qsi_register_checklists raised KeyError: 'oops' (at test_plugin_manager.py line")
