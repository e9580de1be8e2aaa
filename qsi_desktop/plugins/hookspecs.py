"""Hook specifications of the Qt-free core. Every hook is prefixed ``qsi_``.

Registration hooks return a list of frozen dataclasses from :mod:`qsi_desktop.plugins.types` (or
of :class:`qsi_desktop.catalogue.Section`). Arguments are passed by name, as pluggy does: an
implementation declares only the arguments it uses, so adding an argument to a hook later keeps
every plugin working. The plugin manager calls each plugin's implementation on its own, so one
broken plugin cannot hide the rest. The GUI hook lives apart, in
:mod:`qsi_desktop.plugins.gui_hookspecs`. ``docs/PLUGINS.md`` documents every hook with an example.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qsi_desktop.plugins.markers import hookspec

if TYPE_CHECKING:
    from qsi_desktop.catalogue.model import Section
    from qsi_desktop.plugins.types import ChecklistTemplate, Importer, Modality, Register, ReportSection, Scope


@hookspec
def qsi_register_standards_sections(framework_id: str) -> list[Section]:
    """Return the catalogue sections this plugin adds to framework ``framework_id``.

    The core registers the XR sections through this same hook; a modality plugin returns its own
    section (e.g. ``CT-9``), loaded from a framework data file it ships with
    :func:`qsi_desktop.catalogue.load_framework_file`, or ``[]`` when it has nothing for that
    framework (e.g. a later version of the standard it does not cover yet). A section whose
    ``framework_id`` is not ``framework_id`` is left out with a reason. Within one framework a
    section or statement reference must be unique; two frameworks may share references.

    :param framework_id: the framework being loaded, e.g. ``"qsi-2026-draft"`` (the one the open
        workspace records).

    .. versionadded:: 1
    .. versionchanged:: 2 takes ``framework_id``.
    """


@hookspec
def qsi_register_scopes() -> list[Scope]:
    """Return the scopes this plugin adds: things a service may not do (e.g. paediatric imaging)
    that make the statements depending on them not applicable. The core registers
    ``paediatric``; a statement naming a scope nobody registers makes its section fail to load.

    .. versionadded:: 2
    """


@hookspec
def qsi_register_modalities() -> list[Modality]:
    """Return the modalities this plugin provides (code, name, the section that applies to it).

    A service profile that does not list a modality makes that modality's section not applicable.

    .. versionadded:: 1
    """


@hookspec
def qsi_register_checklists() -> list[ChecklistTemplate]:
    """Return checklist and register templates (with their items) for modality leads to fill in.

    Template ids are global: prefix them with the modality, e.g. ``"mr.zone-map"``.

    .. versionadded:: 1
    """


@hookspec
def qsi_register_importers() -> list[Importer]:
    """Return data importers. Each has a unique ``name`` (used by ``qsi import``), the file
    patterns it accepts, and ``run(paths, context)`` returning an ImportBatch.

    ``run`` must drop patient data as it reads, report progress through ``context.progress``,
    stop early when ``context.is_cancelled()`` is true, and never raise for a bad file: it records
    the file in ``rejected`` with a reason and goes on with the batch.

    .. versionadded:: 1
    """


@hookspec
def qsi_register_report_sections() -> list[ReportSection]:
    """Return sections for the Word submission pack; ``render(context)`` returns report blocks.

    .. versionadded:: 1
    """


@hookspec
def qsi_register_registers() -> list[Register]:
    """Return the registers this plugin's modality leads keep (MR units, transducers, SOP documents).

    A register declares typed fields and the fields that identify a row; the core stores the rows
    with the audit trail, builds its table editor beside the modality's checklist tab, imports and
    exports it (.csv, .xlsx) and serves it to ``qsi register``. Ids are ``<plugin>.<name>``.

    .. versionadded:: 2
    """
