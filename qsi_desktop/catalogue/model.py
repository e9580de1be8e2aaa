"""Typed, immutable view of a standards framework (QSI 2026 and any later version beside it)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Item:
    """A suggestion or a note. Lettered sub-items (``a)``, ``b.``) are kept as nested items."""

    text: str
    label: str = ""  # "a", "b", ... for lettered sub-items; "" for plain bullets and numbered notes
    items: tuple[Item, ...] = ()

    def to_dict(self) -> dict:
        data: dict = {"text": self.text}
        if self.label:
            data["label"] = self.label
        if self.items:
            data["items"] = [item.to_dict() for item in self.items]
        return data


@dataclass(frozen=True)
class Statement:
    """One quality statement (QS), e.g. XR-501."""

    ref: str
    section_ref: str
    name: str
    statement: str
    outcome: str
    suggestions: tuple[Item, ...]
    notes: tuple[Item, ...]
    # Scope flags the statement depends on, e.g. ("paediatric",): a service without that scope
    # gets the statement as not applicable, with the reason recorded.
    scope: tuple[str, ...] = ()
    framework_id: str = ""

    def suggestion_keys(self) -> list[str]:
        """Stable keys of every suggestion and sub-item: ``"3"`` and ``"7.a"``.

        Evidence links to a specific suggestion by key.
        """
        keys: list[str] = []
        for number, item in enumerate(self.suggestions, start=1):
            keys.append(str(number))
            keys.extend(f"{number}.{sub.label or index}" for index, sub in enumerate(item.items, start=1))
        return keys


@dataclass(frozen=True)
class Section:
    """A section of the standard, e.g. ``XR-5 Radiation safety`` or ``CT-9 Computerised Tomography``."""

    ref: str
    title: str
    statements: tuple[Statement, ...]
    modality: str | None = None  # "CT", "IR", "MR", "NM", "US"; None for XR sections
    introduction: str = ""
    framework_id: str = ""

    @property
    def label(self) -> str:
        return f"{self.ref} {self.title}"


@dataclass(frozen=True)
class Framework:
    """A versioned framework file: its identity, provenance and the sections it holds."""

    id: str
    title: str
    version: str
    owners: str
    source: str
    sections: tuple[Section, ...]
    notice: str = ""


@dataclass
class Catalogue:
    """All sections loaded from the core and from plugins, looked up by reference."""

    sections: list[Section] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_ref: dict[str, Statement] = {}
        sections, self.sections = self.sections, []
        self.extend(sections)

    def extend(self, sections: Iterable[Section]) -> None:
        for section in sections:
            if any(existing.ref == section.ref for existing in self.sections):
                raise ValueError(f"section {section.ref} is registered twice")
            for statement in section.statements:
                if statement.ref in self._by_ref:
                    raise ValueError(f"quality statement {statement.ref} is registered twice")
            self.sections.append(section)
            self._by_ref.update((s.ref, s) for s in section.statements)
        self.sections.sort(key=section_sort_key)

    def statements(self) -> Iterator[Statement]:
        for section in self.sections:
            yield from section.statements

    def get(self, ref: str) -> Statement | None:
        return self._by_ref.get(normalise_ref(ref))

    def section(self, ref: str) -> Section | None:
        return next((s for s in self.sections if s.ref == ref), None)

    def section_of(self, statement: Statement) -> Section:
        section = self.section(statement.section_ref)
        assert section is not None, statement.ref
        return section

    def __len__(self) -> int:
        return len(self._by_ref)


def section_sort_key(section: Section | str) -> tuple[int, str]:
    """Sections for every service (XR) first, then modality sections by reference (CT, IR, MG, MR...).

    Takes a section or its reference; a reference alone is taken as a modality section unless it
    starts with ``XR``.
    """
    if isinstance(section, str):
        return (0 if section.startswith("XR-") else 1, section)
    return (0 if section.modality is None else 1, section.ref)


def normalise_ref(ref: str) -> str:
    """Accept ``xr-501``, ``XR 501`` and ``XR501`` as ``XR-501``."""
    compact = ref.strip().upper().replace(" ", "").replace("-", "")
    letters = "".join(ch for ch in compact if ch.isalpha())
    digits = compact[len(letters) :]
    return f"{letters}-{digits}" if letters and digits else ref.strip().upper()
