"""Make the Linux one-folder bundle smaller after PyInstaller has collected it.

Three cuts, each safe to skip (the bundle works without them, only bigger):

- **Host libraries nobody needs.** PyInstaller copies every shared library its hooks name, with their
  dependencies, including those of Qt plugins the spec then leaves out (the GTK theme pulls in GTK, cairo,
  pango, Kerberos...). What stays is what the kept binaries need (``NEEDED`` entries, walked from every
  Python extension, Qt plugin and ``libpython``), less the desktop's own libraries: X11/xcb, xkbcommon,
  fontconfig and freetype, GLib and D-Bus are on every Linux desktop, the README lists them as what the
  window needs, and a bundled copy is a known source of mismatches with the system's fontconfig and GLib.
- **Debug information** of extension modules built with it (SQLAlchemy's, Pillow's).
  ``strip --strip-debug`` keeps the symbol tables; it is not applied to the libraries auditwheel
  patched into ``*.libs`` folders (stripping numpy's OpenBLAS broke it, when the bundle had numpy).
- **ICU's data** (31 MiB: collation, converters and time-zone names for every language). Qt links ICU
  but the app uses none of that data: English only, its sorting is Qt's plain comparison, files are
  decoded by Python. An empty data package of the same version takes its place; case mapping stays (it
  is compiled into ``libicuuc``). ``--self-test`` draws the window from the slimmed bundle.

Needs binutils (``objdump``, ``strip``, ``as``, ``ld``); without them a cut is skipped with a note.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

# Libraries a Linux desktop provides (the README's list of Debian packages the window needs).
DESKTOP_LIBRARIES = re.compile(
    r"^lib(X11|X11-xcb|Xau|Xdmcp|Xext|Xrender|xcb[-\w]*|xkbcommon(-x11)?|fontconfig|freetype"
    r"|glib-2\.0|gobject-2\.0|gio-2\.0|gmodule-2\.0|gthread-2\.0|dbus-1|EGL|GL|GLX|OpenGL)\.so"
)
ICU_DATA = re.compile(r"^libicudata\.so\.(\d+)$")
ICU_HEADER_SIZE_LIMIT = 4096


def _tool(name: str) -> str | None:
    path = shutil.which(name)
    if path is None:
        print(f"  (no {name}: that cut is skipped)")
    return path


def is_elf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"\x7fELF"


def needed(objdump: str, path: Path) -> list[str]:
    """The ``NEEDED`` entries (sonames) of one ELF file."""
    out = subprocess.run([objdump, "-p", str(path)], capture_output=True, text=True, check=False).stdout
    return [line.split()[1] for line in out.splitlines() if line.strip().startswith("NEEDED")]


def _shared_libraries(internal: Path) -> dict[str, Path]:
    """Libraries kept only because something links them: top level of ``_internal``, Qt's ``lib``."""
    pool: dict[str, Path] = {}
    for folder in (internal, internal / "PySide6" / "Qt" / "lib"):
        if folder.is_dir():
            pool.update({p.name: p for p in folder.iterdir() if ".so" in p.name and p.is_file()})
    return pool


def prune_host_libraries(bundle: Path) -> list[Path]:
    """Remove the shared libraries no kept binary needs; returns what was removed."""
    objdump = _tool("objdump")
    if objdump is None:
        return []
    internal = bundle / "_internal"
    pool = _shared_libraries(internal)
    pooled = {p.resolve() for p in pool.values()}
    roots = [
        p
        for p in internal.rglob("*.so*")
        if p.is_file() and not p.is_symlink() and p.resolve() not in pooled and is_elf(p)
    ]
    roots += [p for p in pool.values() if p.name.startswith("libpython")]  # the bootloader loads it
    reached: set[Path] = set()
    stack = list(roots)
    while stack:
        for soname in needed(objdump, stack.pop()):
            library = pool.get(soname)
            if library is None or DESKTOP_LIBRARIES.match(soname):
                continue
            if library.resolve() not in reached:
                reached.add(library.resolve())
                stack.append(library)
    removed = [
        library
        for library in pool.values()
        if not library.is_symlink() and library.resolve() not in reached and not library.name.startswith("libpython")
    ]
    for library in removed:
        library.unlink()
    for link in internal.iterdir():  # symlinks left pointing at what was removed
        if link.is_symlink() and not link.exists():
            link.unlink()
    return removed


def _with_debug_info(objdump: str, path: Path) -> bool:
    out = subprocess.run([objdump, "-h", str(path)], capture_output=True, text=True, check=False).stdout
    return ".debug_info" in out


def strip_debug_info(bundle: Path) -> int:
    """``strip --strip-debug`` the bundle's ELF files that carry debug sections (not ``*.libs``);
    returns the bytes saved."""
    strip, objdump = _tool("strip"), _tool("objdump")
    if strip is None or objdump is None:
        return 0
    targets = [
        p
        for p in (bundle / "_internal").rglob("*.so*")
        if p.is_file()
        and not p.is_symlink()
        and not any(part.endswith(".libs") for part in p.parts)
        and is_elf(p)
        and _with_debug_info(objdump, p)
    ]
    before = _total(targets)
    if targets:
        subprocess.run([strip, "--strip-debug", *map(str, targets)], check=True)
    return before - _total(targets)


def _total(paths: Iterable[Path]) -> int:
    return sum(p.stat().st_size for p in paths)


def icu_data_header(library: Path, objdump: str) -> bytes:
    """The header of the ICU common data package inside ``libicudataNN.so`` (its version and
    copyright), read from the exported ``icudtNN_dat`` symbol."""
    symbol = f"icudt{ICU_DATA.match(library.name).group(1)}_dat"  # type: ignore[union-attr]
    table = subprocess.run([objdump, "-T", str(library)], capture_output=True, text=True, check=True).stdout
    address = next(int(line.split()[0], 16) for line in table.splitlines() if line.endswith(symbol))
    sections = subprocess.run([objdump, "-h", "-w", str(library)], capture_output=True, text=True, check=True).stdout
    for line in sections.splitlines():
        parts = line.split()
        if len(parts) > 6 and parts[1] == ".rodata":
            size, vma, offset = int(parts[2], 16), int(parts[3], 16), int(parts[5], 16)
            if vma <= address < vma + size:
                with library.open("rb") as handle:
                    handle.seek(offset + address - vma)
                    start = handle.read(ICU_HEADER_SIZE_LIMIT)
                header_size = int.from_bytes(start[:2], "little")
                if start[2:4] != b"\xda\x27" or start[12:16] != b"CmnD" or header_size > len(start):
                    raise ValueError(f"{library.name}: not an ICU common data package")
                return start[:header_size]
    raise ValueError(f"{library.name}: {symbol} not found in .rodata")


def empty_icu_data(bundle: Path) -> int:
    """Replace ``libicudataNN.so`` with an empty data package of the same version (same soname and
    symbol, no entries); returns the bytes saved."""
    tools = [_tool(name) for name in ("objdump", "as", "ld")]
    if None in tools:
        return 0
    objdump, assembler, linker = tools
    saved = 0
    for library in (bundle / "_internal" / "PySide6" / "Qt" / "lib").glob("libicudata.so.*"):
        match = ICU_DATA.match(library.name)
        if match is None or library.is_symlink():
            continue
        header = icu_data_header(library, objdump)  # type: ignore[arg-type]
        symbol = f"icudt{match.group(1)}_dat"
        source = (
            f".section .rodata\n.globl {symbol}\n.type {symbol}, @object\n.balign 16\n{symbol}:\n"
            f".byte {','.join(str(b) for b in header)}\n"
            ".long 0\n"  # no entries in the table of contents
            f".size {symbol}, .-{symbol}\n"
        )
        with tempfile.TemporaryDirectory() as work:
            asm, obj, out = Path(work, "icudata.s"), Path(work, "icudata.o"), Path(work, library.name)
            asm.write_text(source, encoding="ascii")
            subprocess.run([assembler, "-o", str(obj), str(asm)], check=True)
            subprocess.run([linker, "-shared", "-soname", library.name, "-o", str(out), str(obj)], check=True)
            saved += library.stat().st_size - out.stat().st_size
            shutil.copyfile(out, library)
    return saved


def slim(bundle: Path) -> None:
    """All three cuts, with what each saved."""
    removed = prune_host_libraries(bundle)
    print(f"  left out {len(removed)} host libraries the kept binaries do not need or the desktop provides")
    print(f"  debug information stripped: {strip_debug_info(bundle) / 2**20:.1f} MiB")
    print(f"  ICU data emptied: {empty_icu_data(bundle) / 2**20:.1f} MiB")
