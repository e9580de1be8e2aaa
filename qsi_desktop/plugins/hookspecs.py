"""Hook specifications of the Qt-free core. Every hook is prefixed ``qsi_``.

Registration hooks take no arguments and return a list of frozen dataclasses from
:mod:`qsi_desktop.plugins.types` (or of :class:`qsi_desktop.catalogue.Section`). The plugin
manager calls each plugin's implementation on its own, so one broken plugin cannot hide the rest.
The GUI hook lives apart, in :mod:`qsi_desktop.plugins.gui_hookspecs`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qsi_desktop.plugins.markers import hookspec

if TYPE_CHECKING:
    from qsi_desktop.catalogue.model import Section
    from qsi_desktop.plugins.types import ChecklistTemplate, Importer, Modality, ReportSection


@hookspec
def qsi_register_standards_sections() -> list[Section]:
    """Return the catalogue sections this plugin adds.

    The core registers the XR sections through this same hook; a modality plugin returns its own
    section (e.g. ``CT-9``), loaded from a framework data file it ships with
    :func:`qsi_desktop.catalogue.load_framework_file`. A section reference must be unique.

    .. versionadded:: 1
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
