"""Malformed inputs made from real sample files, for the importers' robustness tests and probe.

Seeded mutations of a good file (byte flips, truncation, cut characters, header shuffles and repeats,
other encodings, binary junk, broken quotes, placeholder dates, planted identifiers, empty files) and,
for each, a check that the importer answered as a user needs: no traceback, file-level errors in one
line naming the file, row issues naming it too, and no planted identifier stored. Qt-free; used by
``tests/test_malformed_inputs.py`` (a few per importer) and ``bench/malformed_probe.py`` (hundreds).
"""

from __future__ import annotations

import codecs
import random
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PLANTED_NHS = "943 476 5919"  # a valid NHS number (the NHS's own example); never to be stored
PLANTED_NAME = "Mrs Ivy Quenneville"
# Names are held back from free-text fields, but a code field (a probe's serial, a licence holder) keeps
# what it is given apart from NHS numbers: only the number is searched for.
PLANTED_NEEDLES = (b"9434765919", b"943 476 5919")

Mutation = Callable[[bytes, random.Random], bytes]


def _flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, max(1, min(20, len(out) // 10)))):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(max(1, len(data)))]


def _cut_character(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", errors="replace").replace("Room", "Salle é").replace("Pass", "Passé")
    encoded = text.encode("utf-8")
    starts = [i for i, b in enumerate(encoded) if b >= 0xC0]
    return encoded[: rng.choice(starts) + 1] if starts else _truncate(encoded, rng)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [data]


def _shuffle_header(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    cells = lines[0].rstrip(b"\r\n").split(b",")
    rng.shuffle(cells)
    return b",".join(cells) + b"\n" + b"".join(lines[1:])


def _repeat_header_cell(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    cells = lines[0].rstrip(b"\r\n").split(b",")
    cells.append(rng.choice(cells))
    return b",".join(cells) + b"\n" + b"".join(lines[1:])


def _encoding(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", errors="replace").replace("Room", "Salle é")
    encoding = rng.choice(["utf-16", "utf-16-le", "cp1252", "utf-8-sig", "latin-1", "utf-32"])
    return text.encode(encoding, errors="replace")


def _binary_junk(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.randbytes(rng.randint(1, 400)) + data[at:]


def _broken_quote(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    index = rng.randrange(len(lines))
    lines[index] = b'"' + lines[index]
    return b"".join(lines)


def _shuffle_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    body = lines[1:]
    rng.shuffle(body)
    if body and rng.random() < 0.5:
        body.insert(rng.randrange(len(body)), rng.choice(body))  # a repeated row
    if len(body) > 1 and rng.random() < 0.5:
        del body[rng.randrange(len(body))]
    return lines[0] + b"".join(body)


def _delimiter(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b",", rng.choice([b";", b"\t", b"|", b", "]))


def _empty(data: bytes, rng: random.Random) -> bytes:
    return rng.choice([b"", b"\n\n", b"   ", b"\xef\xbb\xbf", _lines(data)[0]])


def _huge_cell(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    index = rng.randrange(1, len(lines)) if len(lines) > 1 else 0
    cells = lines[index].rstrip(b"\r\n").split(b",")
    cells[rng.randrange(len(cells))] = b"x" * rng.choice([5_000, 100_000, 1_000_000])
    lines[index] = b",".join(cells) + b"\n"
    return b"".join(lines)


_DATE = re.compile(rb"\d{2}/\d{2}/\d{4}|\d{4}-\d{2}-\d{2}")


def _bad_values(data: bytes, rng: random.Random) -> bytes:
    """Placeholder and impossible dates, and odd numbers, in place of real ones."""
    text = _DATE.sub(
        lambda m: rng.choice([b"0001-01-01", b"9999-12-31", b"31/02/2026", b"00/00/0000", m.group(0)]), data
    )
    numbers = [b"-1", b"1e308", b"NaN", b"inf", b"12,5,6", b"\xe2\x80\x93", b""]
    return re.sub(rb"(?<=,)\d+(\.\d+)?(?=,|\r?\n)", lambda m: rng.choice([*numbers, m.group(0)]), text)


def _planted(data: bytes, rng: random.Random) -> bytes:
    """An NHS number and a patient's name typed into random cells: neither may be stored."""
    lines = _lines(data)
    for _ in range(rng.randint(1, 3)):
        index = rng.randrange(1, len(lines)) if len(lines) > 1 else 0
        cells = lines[index].rstrip(b"\r\n").split(b",")
        value = rng.choice([PLANTED_NHS, PLANTED_NAME, f"seen {PLANTED_NAME}, NHS {PLANTED_NHS}"]).encode()
        cells[rng.randrange(len(cells))] = value
        lines[index] = b",".join(cells) + b"\n"
    return b"".join(lines)


def _nul_bytes(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + b"\x00" * rng.randint(1, 8) + data[at:]


def _zero_range(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(max(1, len(data)))
    end = min(len(data), start + rng.randint(1, 512))
    return data[:start] + b"\x00" * (end - start) + data[end:]


def _drop_range(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(max(1, len(data)))
    return data[:start] + data[start + rng.randint(1, 256) :]


TABLE_MUTATIONS: tuple[Mutation, ...] = (
    _flip,
    _truncate,
    _cut_character,
    _shuffle_header,
    _repeat_header_cell,
    _encoding,
    _binary_junk,
    _broken_quote,
    _shuffle_lines,
    _delimiter,
    _empty,
    _huge_cell,
    _bad_values,
    _planted,
    _nul_bytes,
)
BINARY_MUTATIONS: tuple[Mutation, ...] = (_flip, _truncate, _binary_junk, _zero_range, _drop_range, _empty, _nul_bytes)


def mutate(data: bytes, rng: random.Random, *, binary: bool) -> tuple[str, bytes]:
    """One mutation (or two, a quarter of the time) of ``data``: (what was done, the new bytes)."""
    pool = BINARY_MUTATIONS if binary else TABLE_MUTATIONS
    chosen = [rng.choice(pool) for _ in range(2 if rng.random() < 0.25 else 1)]
    for mutation in chosen:
        data = mutation(data, rng)
    return "+".join(m.__name__.lstrip("_") for m in chosen), data


@dataclass
class Outcome:
    """What the probe found for one importer."""

    name: str
    inputs: int = 0
    stored: int = 0  # inputs whose records were read (stored, or found already stored)
    row_issues: int = 0  # runs that reported rejected rows (the rest of the file read)
    file_errors: int = 0  # one-line refusals of the whole file (QsiError, or a file-level issue)
    by_mutation: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # what a user should never see

    def line(self) -> str:
        return (
            f"{self.name:24} {self.inputs:5} inputs: {self.stored:4} read records, {self.row_issues:4} with "
            f"row issues, {self.file_errors:4} refused whole; {len(self.failures)} failure(s)"
        )


def check(outcome: Outcome, path: Path, run: Callable[[], Any], what: str) -> None:
    """Run one import of ``path`` and record how it answered. ``run`` returns an object with
    ``rejected``/``skipped`` issues (and ``imported``), or an import preview with ``issues``."""
    from qsi_desktop.errors import QsiError
    from qsi_desktop.plugins.guard import PluginError

    outcome.inputs += 1
    outcome.by_mutation[what] = outcome.by_mutation.get(what, 0) + 1
    try:
        result = run()
    except PluginError as exc:  # an importer bug met by bad input: a failure even if it reads well
        outcome.failures.append(f"{path.name} ({what}): plugin failure: {exc}")
        return
    except QsiError as exc:
        message = str(exc)
        if "\n" in message or path.name not in message:
            outcome.failures.append(f"{path.name} ({what}): message does not name the file: {message!r}")
        outcome.file_errors += 1
        return
    except Exception:
        outcome.failures.append(f"{path.name} ({what}): traceback\n{traceback.format_exc()}")
        return
    issues = list(getattr(result, "rejected", [])) + list(getattr(result, "skipped", []))
    for issue in issues:
        if getattr(issue, "file", path.name) != path.name:
            outcome.failures.append(f"{path.name} ({what}): an issue names another file: {issue}")
    row_issues = list(getattr(result, "issues", [])) + list(getattr(result, "rejected", []))
    stored = getattr(result, "imported", None)
    if stored is not None:
        stored += getattr(result, "duplicates", 0)  # read well, already stored by an earlier input
    else:  # a register preview
        stored = len(getattr(result, "rows", []))
        if getattr(result, "missing", None):
            outcome.file_errors += 1
            return
    if stored:
        outcome.stored += 1
    if any(getattr(i, "row", None) for i in row_issues):
        outcome.row_issues += 1
    elif row_issues and not stored:
        outcome.file_errors += 1


def planted_leaks(folder: Path) -> list[str]:
    """Files under ``folder`` holding a planted identifier (there must be none)."""
    leaks = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            leaks.extend(f"{path.name}: {needle.decode()}" for needle in PLANTED_NEEDLES if needle in data)
    return leaks


def seed_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data


def probe_importer(
    ws: Any, app: Any, importer: str, seeds: list[Path], count: int, rng: random.Random, folder: Path
) -> Outcome:
    """``count`` mutations of the seed files, each imported on its own into ``ws``."""
    from qsi_desktop.services import importing

    outcome = Outcome(importer)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        seed = rng.choice(seeds)
        what, data = mutate(seed_bytes(seed), rng, binary=seed.suffix.lower() not in (".csv", ".tsv", ".txt"))
        path = folder / f"m{number:04d}-{seed.name}"
        path.write_bytes(data)
        check(outcome, path, lambda p=path: importing.run_import(ws, app, importer, [p], actor="probe"), what)
    return outcome


def probe_register(
    ws: Any, app: Any, register_id: str, seeds: list[Path], count: int, rng: random.Random, folder: Path
) -> Outcome:
    """The same for a register import: preview, and commit when the preview allows it."""
    from qsi_desktop.services import register_io, registers

    register = registers.find_register(app, register_id)
    outcome = Outcome(f"register {register_id}")
    folder.mkdir(parents=True, exist_ok=True)

    def run(path: Path) -> Any:
        result = register_io.preview(ws, register, path)
        if result.ok:
            register_io.commit(ws, register, result, actor="probe")
        return result

    for number in range(count):
        seed = rng.choice(seeds)
        what, data = mutate(seed_bytes(seed), rng, binary=seed.suffix.lower() == ".xlsx")
        path = folder / f"m{number:04d}-{seed.name}"
        path.write_bytes(data)
        check(outcome, path, lambda p=path: run(p), what)
    return outcome


def table_seeds(importer: str, folder: Path) -> list[Path]:
    """The importer's shipped samples, and for a CSV sample the same rows as an .xlsx workbook."""
    import csv
    import io

    from openpyxl import Workbook

    from qsi_desktop.selftest.samples import write_samples

    seeds = write_samples(importer, folder)
    for path in list(seeds):
        if path.suffix == ".csv":
            book = Workbook()
            for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
                book.active.append(row)
            book.save(path.with_suffix(".xlsx"))
            seeds.append(path.with_suffix(".xlsx"))
    return seeds


def register_seeds(ws: Any, app: Any, folder: Path) -> dict[str, list[Path]]:
    """Each register with rows in ``ws``, exported as .xlsx and as CSV: good files to mutate."""
    from qsi_desktop.services import register_io, registers
    from qsi_desktop.tabular import _worksheets_as_csv

    folder.mkdir(parents=True, exist_ok=True)
    seeds: dict[str, list[Path]] = {}
    for register in registers.applicable_registers(ws, app):
        book = folder / f"{register.id}.xlsx"
        if register_io.export_xlsx(ws, register, book) == 0:
            continue
        text = _worksheets_as_csv(book)[0][1]
        flat = folder / f"{register.id}.csv"
        flat.write_text(text, encoding="utf-8")
        seeds[register.id] = [book, flat]
    return seeds
