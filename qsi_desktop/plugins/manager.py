"""A typed wrapper around pluggy: the rest of the code never calls ``pm.hook.*`` directly.

Loading order: the core plugin, then either the explicit plugin list (tests) or the installed
entry points of group ``qsi_desktop.plugins`` followed by the literal built-in list (frozen
builds). ``QSI_DISABLE_PLUGIN_DISCOVERY=1`` turns discovery off. A plugin that fails to import,
asks for a newer plugin API, or raises in a registration hook is reported with its name and error,
unregistered, and the application goes on without it. Something a plugin registers that does not
fit (a section of another framework, a modality without its section) is left out and listed in
``warnings``; the plugin keeps the rest.

Hooks are called with their arguments by name: an implementation receives only the arguments it
declares, so a hook can grow an argument without breaking older plugins.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

import pluggy

from qsi_desktop.catalogue.loader import DEFAULT_FRAMEWORK_ID
from qsi_desktop.catalogue.model import Catalogue, Section, section_sort_key
from qsi_desktop.plugins import gui_hookspecs, hookspecs
from qsi_desktop.plugins.builtin import BUILTIN_PLUGINS, CORE_PLUGINS
from qsi_desktop.plugins.markers import (
    ENTRY_POINT_GROUP,
    MINIMUM_PLUGIN_API_VERSION,
    PLUGIN_API_VERSION,
    PROJECT_NAME,
)
from qsi_desktop.plugins.types import (
    FIELD_KINDS,
    ChecklistTemplate,
    Importer,
    Modality,
    Panel,
    Register,
    ReportSection,
    Scope,
    ZoneMapSpec,
)

log = logging.getLogger(__name__)

DISABLE_DISCOVERY_ENV = "QSI_DISABLE_PLUGIN_DISCOVERY"


class RegistrationError(ValueError):
    """What a plugin registered breaks a rule (a type, a duplicate, an unknown scope): its message says which."""


@dataclass(frozen=True)
class PluginFailure:
    name: str
    error: str


@dataclass
class PluginInfo:
    name: str
    version: str
    module: str
    registers: dict[str, list[str]] = field(default_factory=dict)


class PluginManager:
    """Loads plugins once and serves their registrations as typed, validated lists."""

    def __init__(self, plugins: Sequence[str | ModuleType] | None = None) -> None:
        self._pm = pluggy.PluginManager(PROJECT_NAME)
        # The GUI specification is known to every manager (so check_pending accepts panel hooks);
        # only the GUI calls the panel factories, which import Qt inside themselves.
        self._pm.add_hookspecs(hookspecs)
        self._pm.add_hookspecs(gui_hookspecs)
        self.failures: list[PluginFailure] = []
        self.warnings: list[PluginFailure] = []
        self._info: dict[str, PluginInfo] = {}
        self._cache: dict[tuple[str, tuple[tuple[str, Any], ...]], list[Any]] = {}
        self._owners: dict[int, str] = {}  # id() of a registered item -> its plugin's name
        for name in CORE_PLUGINS:
            self._load_module(name, name="core")
        if plugins is not None:
            for plugin in plugins:
                self._load(plugin)
        elif not os.environ.get(DISABLE_DISCOVERY_ENV):
            self._load_entry_points()
            for module_name in BUILTIN_PLUGINS:
                if not self._has_module(module_name):
                    self._load_module(module_name, missing_ok=True)

    # -- loading ---------------------------------------------------------------------------------

    def _load(self, plugin: str | ModuleType) -> None:
        if isinstance(plugin, ModuleType):
            self._register(plugin, _plugin_name(plugin), _module_version(plugin))
        else:
            self._load_module(plugin)

    def _load_entry_points(self) -> None:
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):  # a stable order
            if self._pm.get_plugin(ep.name) is not None or self._has_module(ep.value):
                continue
            try:
                module = ep.load()
            except Exception as exc:  # a broken plugin must not stop the app
                self._fail(ep.name, exc)
                continue
            version = ep.dist.version if ep.dist is not None else _module_version(module)
            self._register(module, ep.name, version)

    def _load_module(self, module_name: str, *, name: str | None = None, missing_ok: bool = False) -> None:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if missing_ok and exc.name and module_name.startswith(exc.name):
                return  # a built-in plugin that is not installed in this environment
            self._fail(name or module_name, exc)
            return
        except Exception as exc:
            self._fail(name or module_name, exc)
            return
        self._register(module, name or _plugin_name(module), _module_version(module))

    def _register(self, module: ModuleType, name: str, version: str) -> None:
        wanted = getattr(module, "QSI_PLUGIN_API_VERSION", PLUGIN_API_VERSION)
        if not isinstance(wanted, int) or isinstance(wanted, bool):
            self._fail(name, TypeError(f"QSI_PLUGIN_API_VERSION must be a whole number, not {wanted!r}"))
            return
        if wanted > PLUGIN_API_VERSION:
            self._fail(
                name,
                RuntimeError(
                    f"needs plugin API {wanted}; this QSI Desktop supports {PLUGIN_API_VERSION}. Update QSI Desktop."
                ),
            )
            return
        if wanted < MINIMUM_PLUGIN_API_VERSION:
            self._fail(
                name,
                RuntimeError(
                    f"was written for plugin API {wanted}; this QSI Desktop needs {MINIMUM_PLUGIN_API_VERSION} "
                    "or later. Update the plugin."
                ),
            )
            return
        if self._pm.get_plugin(name) is not None:
            self._fail(name, RuntimeError(f"a plugin named {name!r} is already loaded"))
            return
        try:
            self._pm.register(module, name=name)
        except Exception as exc:  # pluggy validates hook implementations (names, arguments) here
            self._fail(name, exc)
            return
        self._info[name] = PluginInfo(name=name, version=version, module=module.__name__)
        if getattr(module, "GUI_MODULE", None):
            self._warn(
                name,
                "GUI_MODULE is no longer read (plugin API 2): the core builds checklist tabs from the templates; "
                "register a custom panel with qsi_register_panels in the plugin module",
            )

    def _has_module(self, module_name: str) -> bool:
        return any(info.module == module_name for info in self._info.values())

    def _fail(self, name: str, exc: BaseException, hook: str = "") -> None:
        if isinstance(exc, RegistrationError):
            message = f"{type(exc).__name__}: {exc}"
        elif hook:
            message = f"{hook} raised {type(exc).__name__}: {exc}"
        else:
            message = f"{type(exc).__name__}: {exc}"
        where = _raised_at(exc)
        if where:
            message += f" (at {where})"
        # The traceback, for the plugin's author; the user sees the one line.
        log.warning("plugin %s failed to load: %s", name, message, exc_info=exc)
        self.failures.append(PluginFailure(name, message))
        if self._pm.get_plugin(name) is not None:
            self._pm.unregister(name=name)
            self._info.pop(name, None)
            self._cache.clear()
            self._owners.clear()

    def _warn(self, name: str, message: str) -> None:
        if PluginFailure(name, message) not in self.warnings:
            log.warning("plugin %s: %s", name, message)
            self.warnings.append(PluginFailure(name, message))

    def check_pending(self) -> None:
        """Raise if a plugin implements a ``qsi_*`` hook that no specification knows (a misspelling)."""
        self._pm.check_pending()

    # -- calling hooks ---------------------------------------------------------------------------

    def _collect(self, hook_name: str, kind: type | tuple[type, ...], **kwargs: Any) -> list[Any]:
        """Call one hook plugin by plugin, checking types and that no two plugins claim the same key.

        Each implementation gets the arguments it declares, by name.
        """
        cache_key = (hook_name, tuple(sorted(kwargs.items())))
        if cache_key in self._cache:
            return self._cache[cache_key]
        results: list[Any] = []
        owners: dict[str, str] = {}  # key (section ref, statement ref, importer name...) -> plugin
        hook = getattr(self._pm.hook, hook_name)
        for impl in hook.get_hookimpls():  # registration order (pluggy calls them in reverse)
            name = impl.plugin_name
            try:
                returned = list(impl.function(**{arg: kwargs[arg] for arg in impl.argnames}) or [])
                bad = [item for item in returned if not isinstance(item, kind)]
                if bad:
                    raise RegistrationError(f"{hook_name} returned {type(bad[0]).__name__}, expected {_names(kind)}")
                returned = self._fitting(name, returned, **kwargs)
                keys = [key for item in returned for key in _keys(item)]
                clash = next((key for key in keys if key in owners or keys.count(key) > 1), None)
                if clash is not None:
                    other = owners.get(clash, name)
                    raise RegistrationError(f"{clash} is registered twice (also by plugin {other})")
            except Exception as exc:
                self._fail(name, exc, hook_name)
                return self._collect(hook_name, kind, **kwargs)  # again, without the failed plugin
            owners.update(dict.fromkeys(keys, name))
            results.extend(returned)
            self._owners.update((id(item), name) for item in returned)
            info = self._info.get(name)
            if info is not None:
                label = hook_name.removeprefix("qsi_register_")
                described = [*info.registers.get(label, []), *(_describe(item) for item in returned)]
                info.registers[label] = list(dict.fromkeys(described))  # every framework asked for, once
        self._cache[cache_key] = results
        return results

    def _fitting(self, plugin: str, items: list[Any], **kwargs: Any) -> list[Any]:
        """Leave out (with a warning) sections of another framework; fail on unknown scopes."""
        framework_id = kwargs.get("framework_id")
        kept = []
        for item in items:
            if isinstance(item, Importer) and (item.read is None) == (item.run is None):
                raise RegistrationError(f"importer {item.name} must give exactly one of read (streaming) and run")
            if isinstance(item, Importer) and not item.patterns:
                raise RegistrationError(f"importer {item.name} gives no file patterns (e.g. ('*.csv',))")
            if isinstance(item, Register):
                _check_register(item)
            if isinstance(item, Section) and not item.framework_id and framework_id is not None:
                item = _in_framework(item, framework_id)  # built by hand (API 1): the framework asked for
            if isinstance(item, Section):
                if framework_id is not None and item.framework_id != framework_id:
                    self._warn(
                        plugin,
                        f"section {item.ref} belongs to framework {item.framework_id or '(none)'!r}, "
                        f"not {framework_id!r}: left out",
                    )
                    continue
                unknown = sorted(_section_scopes(item) - {scope.id for scope in self.scopes()})
                if unknown:
                    raise RegistrationError(
                        f"section {item.ref} uses scope {', '.join(unknown)}, which no plugin registers "
                        "(register it with qsi_register_scopes)"
                    )
            kept.append(item)
        return kept

    def plugin_of(self, item: Any) -> str:
        """The name of the plugin that registered ``item`` (an importer, report section, panel...)."""
        return self._owners.get(id(item), "unknown")

    def load_all(self, framework_id: str = DEFAULT_FRAMEWORK_ID) -> None:
        """Call every registration hook once, so failures show up now and ``plugins()`` is complete.

        A plugin implementing a ``qsi_*`` hook that no specification knows (a misspelling) is
        reported as failed rather than silently ignored.
        """
        while True:
            try:
                self._pm.check_pending()
                break
            except pluggy.PluginValidationError as exc:
                self._fail(self._pm.get_name(exc.plugin) or str(exc.plugin), exc)
        self.scopes()
        self.standards_sections(framework_id)
        self.modalities(framework_id)
        self.checklists()
        self.importers()
        self.report_sections()
        self.panels()
        self.registers()

    def scopes(self) -> list[Scope]:
        return self._collect("qsi_register_scopes", Scope)

    def standards_sections(self, framework_id: str = DEFAULT_FRAMEWORK_ID) -> list[Section]:
        return self._collect("qsi_register_standards_sections", Section, framework_id=framework_id)

    def modalities(self, framework_id: str = DEFAULT_FRAMEWORK_ID) -> list[Modality]:
        """Registered modalities whose section is in the framework and names them; others are
        left out with a warning (one source of truth: the section's ``modality``)."""
        sections = {section.ref: section for section in self.standards_sections(framework_id)}
        with_sections = {self.plugin_of(section) for section in sections.values()}
        kept = []
        for modality in self._collect("qsi_register_modalities", Modality):
            section = sections.get(modality.section_ref)
            if section is None and self.plugin_of(modality) not in with_sections:
                continue  # the plugin has nothing for this framework: its modality is simply not offered
            if section is None:
                self._warn(
                    self.plugin_of(modality),
                    f"modality {modality.code} names section {modality.section_ref}, which is not loaded "
                    f"for {framework_id}: left out",
                )
            elif section.modality != modality.code:
                self._warn(
                    self.plugin_of(modality),
                    f"modality {modality.code} names section {section.ref}, which is for "
                    f"{section.modality or 'every service'}: left out",
                )
            else:
                kept.append(modality)
        order = {ref: position for position, ref in enumerate(sorted(sections, key=section_sort_key))}
        return sorted(kept, key=lambda m: order[m.section_ref])

    def checklists(self) -> list[ChecklistTemplate]:
        return self._collect("qsi_register_checklists", ChecklistTemplate)

    def importers(self) -> list[Importer]:
        return self._collect("qsi_register_importers", Importer)

    def importer(self, name: str) -> Importer | None:
        return next((imp for imp in self.importers() if imp.name == name), None)

    def report_sections(self) -> list[ReportSection]:
        return sorted(self._collect("qsi_register_report_sections", ReportSection), key=lambda s: s.order)

    def panels(self) -> list[Panel]:
        """Custom panels; only the GUI calls their factories (through the guard)."""
        return self._collect("qsi_register_panels", Panel)

    def registers(self) -> list[Register]:
        """Registers modality leads keep; the core stores their rows and builds their editors."""
        return self._collect("qsi_register_registers", Register)

    def register(self, register_id: str) -> Register | None:
        return next((r for r in self.registers() if r.id == register_id), None)

    def catalogue(self, framework_id: str = DEFAULT_FRAMEWORK_ID) -> Catalogue:
        return Catalogue(list(self.standards_sections(framework_id)))

    def plugins(self) -> list[PluginInfo]:
        self.load_all()
        return list(self._info.values())


_FIELD_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _check_register(register: Register) -> None:
    """A register's fields must be usable: keys well formed and unique, kinds known, key fields real."""
    where = f"register {register.id}"
    if not register.fields:
        raise RegistrationError(f"{where} has no fields")
    keys = [f.key for f in register.fields]
    for item in register.fields:
        if not _FIELD_KEY.fullmatch(item.key):
            raise RegistrationError(f"{where}: field key {item.key!r} is not lowercase letters, digits and _")
        if item.kind not in FIELD_KINDS:
            raise RegistrationError(f"{where}: field {item.key} has unknown kind {item.kind!r}")
        if item.kind == "choice" and not item.choices:
            raise RegistrationError(f"{where}: choice field {item.key} lists no choices")
    if len(set(keys)) != len(keys):
        raise RegistrationError(f"{where}: a field key is used twice")
    if not register.key_fields or any(k not in keys for k in register.key_fields):
        raise RegistrationError(f"{where}: key_fields must name some of its fields ({', '.join(keys)})")
    if register.zone_map is not None:
        _check_zone_map(register.zone_map, where)


_KIND_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def _check_zone_map(spec: ZoneMapSpec, where: str) -> None:
    """Area and marker kinds with unique well-formed keys, colours the renderers read, short symbols."""
    if not spec.zones:
        raise RegistrationError(f"{where}: its zone map declares no kind of area")
    keys = [z.key for z in spec.zones] + [m.key for m in spec.markers]
    if len(set(keys)) != len(keys) or not all(_KIND_KEY.fullmatch(k) for k in keys):
        raise RegistrationError(f"{where}: zone map kinds need unique keys of lowercase words and hyphens")
    for zone in spec.zones:
        if not _COLOUR.fullmatch(zone.colour) or zone.shape not in ("area", "line"):
            raise RegistrationError(f"{where}: zone kind {zone.key} needs a colour '#rrggbb' and shape area or line")
    for marker in spec.markers:
        if not 1 <= len(marker.symbol) <= 2:
            raise RegistrationError(f"{where}: marker kind {marker.key} needs a symbol of one or two characters")


def _plugin_name(module: ModuleType) -> str:
    return getattr(module, "PLUGIN_NAME", module.__name__)


def _module_version(module: ModuleType) -> str:
    version = getattr(module, "__version__", None)
    if version is None and module.__package__:
        version = getattr(importlib.import_module(module.__package__.split(".")[0]), "__version__", None)
    return str(version or "unknown")


def _names(kind: type | tuple[type, ...]) -> str:
    kinds: Iterable[type] = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def _raised_at(exc: BaseException) -> str:
    """``plugin.py line 31``: where in the plugin's code an exception was raised (the last frame)."""
    frame = exc.__traceback__
    if frame is None or isinstance(exc, RegistrationError | pluggy.PluginValidationError):
        return ""
    while frame.tb_next is not None:
        frame = frame.tb_next
    return f"{os.path.basename(frame.tb_frame.f_code.co_filename)} line {frame.tb_lineno}"


def _in_framework(section: Section, framework_id: str) -> Section:
    statements = tuple(replace(statement, framework_id=framework_id) for statement in section.statements)
    return replace(section, framework_id=framework_id, statements=statements)


def _section_scopes(section: Section) -> set[str]:
    return {scope for statement in section.statements for scope in statement.scope}


def _keys(item: Any) -> list[str]:
    """What must be unique across plugins: a section and its statements, or the item's id or name."""
    if isinstance(item, Section):
        return [item.ref, *(statement.ref for statement in item.statements)]
    if isinstance(item, Modality):
        return [f"modality {item.code}"]
    if isinstance(item, Scope):
        return [f"scope {item.id}"]
    if isinstance(item, Importer):
        return [f"importer {item.name}"]
    return [f"{type(item).__name__} {item.id}"] if getattr(item, "id", None) else []


def _describe(item: Any) -> str:
    for attr in ("ref", "code", "id", "name"):
        value = getattr(item, attr, None)
        if value:
            return str(value)
    return repr(item)
