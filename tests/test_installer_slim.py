"""installer/slim.py on small ELF libraries made here with the GNU assembler and linker (binutils, which
CI installs for the bundle build): what is pruned, what is stripped, and the emptied ICU data package."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "installer"))
import slim  # installer/ is not a package

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not all(shutil.which(t) for t in ("as", "ld", "objdump", "strip")),
    reason="needs Linux and binutils",
)


def _library(path: Path, *, needs: tuple[str, ...] = (), source: str = "", debug: bool = False) -> Path:
    """A shared library with ``source`` as its assembly, linking the libraries named in ``needs`` (found in
    its folder or the one above)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    asm, obj = path.with_suffix(".s"), path.with_suffix(".o")
    asm.write_text(source or f".data\n.globl {path.stem.replace('.', '_')}\n{path.stem.replace('.', '_')}: .long 1\n")
    subprocess.run(["as", *(["-g"] if debug else []), "-o", str(obj), str(asm)], check=True)
    links = [f"-l:{name}" for name in needs]
    subprocess.run(
        [
            "ld",
            "-shared",
            "-soname",
            path.name,
            "-o",
            str(path),
            str(obj),
            f"-L{path.parent}",
            f"-L{path.parent.parent}",
            *links,
        ],
        check=True,
    )
    asm.unlink()
    obj.unlink()
    return path


def test_only_libraries_a_kept_binary_needs_stay_and_desktop_libraries_go(tmp_path: Path) -> None:
    internal = tmp_path / "bundle" / "_internal"
    _library(internal / "libleaf.so.1")
    _library(internal / "libX11.so.6")  # the desktop's own
    _library(internal / "libxcbdep.so.2")
    _library(internal / "libmid.so.1", needs=("libleaf.so.1",))
    _library(internal / "libonlygtk.so.0", needs=("libxcbdep.so.2",))  # needed by nothing kept
    _library(internal / "libpython3.11.so.1.0")
    _library(internal / "pkg" / "module.so", needs=("libmid.so.1", "libX11.so.6"))
    (internal / "libleaf.so").symlink_to("libleaf.so.1")
    (internal / "libgone.so").symlink_to("libonlygtk.so.0")

    removed = slim.prune_host_libraries(tmp_path / "bundle")

    assert sorted(p.name for p in removed) == ["libX11.so.6", "libonlygtk.so.0", "libxcbdep.so.2"]
    left = sorted(p.name for p in internal.iterdir())
    assert left == ["libleaf.so", "libleaf.so.1", "libmid.so.1", "libpython3.11.so.1.0", "pkg"]


def test_debug_information_is_stripped_but_not_from_wheel_libraries(tmp_path: Path) -> None:
    internal = tmp_path / "bundle" / "_internal"
    code = ".text\n.globl f\nf:\n" + "  nop\n" * 2000 + "  ret\n"
    module = _library(internal / "pkg" / "module.so", source=code, debug=True)
    patched = _library(internal / "numpy.libs" / "libblas-1234.so", source=code, debug=True)
    before = module.stat().st_size, patched.stat().st_size

    saved = slim.strip_debug_info(tmp_path / "bundle")

    assert saved == before[0] - module.stat().st_size > 0
    assert patched.stat().st_size == before[1], "libraries auditwheel patched are left as they are"
    sections = subprocess.run(["objdump", "-h", str(module)], capture_output=True, text=True).stdout
    assert ".debug_info" not in sections and ".text" in sections


def _icu_package(entries: int) -> bytes:
    """An ICU common data package: 32-byte header (size, magic, UDataInfo with format CmnD) and a table of
    contents of ``entries`` entries followed by some data."""
    info = (20).to_bytes(2, "little") + b"\0\0" + b"\0\0\2\0" + b"CmnD" + b"\1\0\0\0" + b"\3\0\0\0"
    header = (32).to_bytes(2, "little") + b"\xda\x27" + info
    header += b"\0" * (32 - len(header))
    return header + entries.to_bytes(4, "little") + b"\x11" * (8 * entries) + b"data" * 5000


def test_the_icu_data_is_replaced_by_an_empty_package_of_the_same_version(tmp_path: Path) -> None:
    qt_lib = tmp_path / "bundle" / "_internal" / "PySide6" / "Qt" / "lib"
    package = _icu_package(3)
    source = (
        ".section .rodata\n.globl icudt99_dat\n.balign 16\nicudt99_dat:\n"
        f".byte {','.join(map(str, package))}\n.size icudt99_dat, .-icudt99_dat\n"
    )
    library = _library(qt_lib / "libicudata.so.99", source=source)
    size = library.stat().st_size

    saved = slim.empty_icu_data(tmp_path / "bundle")

    assert saved == size - library.stat().st_size and saved > 15_000
    objdump = shutil.which("objdump")
    assert slim.icu_data_header(library, objdump) == package[:32]  # same version and header
    table = subprocess.run(["objdump", "-T", str(library)], capture_output=True, text=True).stdout
    assert "icudt99_dat" in table
    soname = subprocess.run(["objdump", "-p", str(library)], capture_output=True, text=True).stdout
    assert "SONAME               libicudata.so.99" in soname


def test_a_library_that_is_not_icu_data_is_refused(tmp_path: Path) -> None:
    source = ".section .rodata\n.globl icudt99_dat\nicudt99_dat:\n.byte " + ",".join(["1"] * 64) + "\n"
    library = _library(tmp_path / "libicudata.so.99", source=source)
    with pytest.raises(ValueError, match="not an ICU common data package"):
        slim.icu_data_header(library, shutil.which("objdump"))
