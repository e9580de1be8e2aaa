"""The transducer register (US-903): every probe with its make, model, type, location and use.

The decontamination log's probes are checked against it: a probe the log names and the register
does not is listed in the pack (:func:`unknown_probes`). Its header spellings are the log's, so a
vendor's export (``Probe Serial No.``) maps to the probe id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from qsi_desktop.plugins.types import Register, RegisterField
from qsi_plugin_us.importers.decontamination import COLUMNS as LOG_COLUMNS

INTRACAVITY, SURFACE = "Intracavity", "Surface"

TRANSDUCERS = Register(
    id="us.transducers",
    title="Transducer register",
    modality="US",
    statement_refs=("US-903",),
    description="Every ultrasound transducer (probe): make, model, type, where it is kept and its use.",
    key_fields=("probe",),
    fields=(
        RegisterField("probe", "Probe id", aliases=(*LOG_COLUMNS["probe"], "serial")),
        RegisterField("make", "Make", aliases=("manufacturer", "vendor")),
        RegisterField("model", "Model", aliases=("probe model", "transducer model")),
        RegisterField("type", "Type", aliases=("probe type", "transducer type"), help="e.g. linear, curvilinear"),
        RegisterField("location", "Location", aliases=("room", "department", "site", "machine")),
        RegisterField(
            "use",
            "Use",
            kind="choice",
            choices=(INTRACAVITY, SURFACE),
            required=True,
            aliases=("intracavity or surface", "intracavity/surface", "category", "spaulding category"),
        ),
    ),
)

REGISTERS = (TRANSDUCERS,)


def _probe_key(probe: Any) -> str:
    return " ".join(str(probe).split()).casefold()


def unknown_probes(log: Iterable[Mapping[str, Any]], register: Iterable[Mapping[str, Any]]) -> list[str]:
    """Probes the decontamination log names that the transducer register does not (case and spaces ignored)."""
    known = {_probe_key(row.get("probe", "")) for row in register}
    seen: dict[str, str] = {}
    for record in log:
        probe = str(record.get("probe", ""))
        if probe and _probe_key(probe) not in known:
            seen.setdefault(_probe_key(probe), probe)
    return sorted(seen.values(), key=str.casefold)
