"""Build the one-folder bundle: ``python installer/build.py`` -> ``dist/qsi-desktop/``.

The folder holds ``qsi-desktop`` (the window) and ``qsi`` (the command line), ``.exe`` on Windows, with
the five built-in plugins, their data, the migrations and the libraries (installer/qsi-desktop.spec says
what is in and what is left out). Run it with the project's environment, which needs the ``freeze``
extra (``bash tools/setup-venv.sh`` installs it): ``.venv/bin/python installer/build.py``.

``--archive`` also writes the Linux ``.tar.gz`` (the folder, a desktop entry, the icon, a README) and
its ``.sha256`` beside it. The build takes a few minutes; it prints its time, the bundle's size and
its biggest parts.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import slim  # installer/slim.py: the script's folder is first on sys.path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "qsi-desktop.spec"
NAME = "qsi-desktop"
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""


def version() -> str:
    sys.path.insert(0, str(ROOT))
    from qsi_desktop import __version__

    return __version__


def make_icons(work: Path) -> Path:
    """``qsi-desktop.png`` (256 px) and ``qsi-desktop.ico`` drawn from the SVG's design with Pillow."""
    from PIL import Image, ImageDraw, ImageFont

    work.mkdir(parents=True, exist_ok=True)
    size = 256
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8, 8, size - 8, size - 8), radius=40, fill="#005EB8")  # NHS blue
    # Pillow's embedded font (as the charts), its strokes thickened: it has no bold face.
    font = ImageFont.load_default(92)
    draw.text((size / 2, size / 2 - 6), "QSI", fill="white", anchor="mm", font=font, stroke_width=3)
    draw.rectangle((56, 190, size - 56, 202), fill="#FFFFFF")
    png = work / f"{NAME}.png"
    image.save(png, optimize=True)
    image.save(work / f"{NAME}.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
    return png


def run_pyinstaller(dist: Path, work: Path, icon: Path) -> None:
    import PyInstaller.__main__

    os.environ["QSI_ICON"] = str(icon)
    PyInstaller.__main__.run(
        [str(SPEC), "--noconfirm", "--clean", "--log-level=WARN", f"--distpath={dist}", f"--workpath={work}"]
    )


def add_desktop_files(bundle: Path, icons: Path) -> None:
    """The icon (ICO for the Windows shortcuts and installers; PNG and SVG) and, on Linux, the desktop
    entry and ``install.sh``, which adds it to the user's applications menu."""
    for name in (f"{NAME}.png", f"{NAME}.ico"):
        shutil.copy2(icons / name, bundle / name)
    shutil.copy2(HERE / "linux" / f"{NAME}.svg", bundle / f"{NAME}.svg")
    if sys.platform.startswith("linux"):
        shutil.copy2(HERE / "linux" / f"{NAME}.desktop", bundle / f"{NAME}.desktop")
        shutil.copy2(HERE / "linux" / "install.sh", bundle / "install.sh")


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def biggest_parts(bundle: Path, count: int = 12) -> Iterator[tuple[str, int]]:
    """The largest top-level entries of the bundle and of its ``_internal`` folder (and of PySide6's)."""
    parts: dict[str, int] = {}
    internal = bundle / "_internal"
    for path in bundle.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        relative = path.relative_to(internal if path.is_relative_to(internal) else bundle).parts
        key = "/".join(relative[:3] if relative[0] == "PySide6" else relative[:1])
        parts[key] = parts.get(key, 0) + path.stat().st_size
    yield from sorted(parts.items(), key=lambda item: -item[1])[:count]


def archive(bundle: Path, out: Path) -> Path:
    """``qsi-desktop-VERSION-linux-x86_64.tar.gz`` of the folder, and its SHA-256 beside it."""
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=NAME)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    out.with_name(out.name + ".sha256").write_text(f"{digest}  {out.name}\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where dist/qsi-desktop goes")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller's work folder")
    parser.add_argument("--archive", action="store_true", help="also write the Linux .tar.gz and its .sha256")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    icons = make_icons(args.work / "icons")
    run_pyinstaller(args.dist.resolve(), args.work.resolve() / "pyinstaller", icons.with_suffix(".ico"))
    bundle = args.dist / NAME
    if sys.platform.startswith("linux"):
        slim.slim(bundle)
    add_desktop_files(bundle, icons.parent)
    built = time.perf_counter() - started
    print(f"built {bundle} in {built:.0f} s: {folder_size(bundle) / 2**20:.1f} MiB")
    for part, size in biggest_parts(bundle):
        print(f"  {size / 2**20:7.1f} MiB  {part}")
    if args.archive:
        machine = "x86_64" if sys.platform.startswith("linux") else sys.platform
        out = archive(bundle, args.dist / f"{NAME}-{version()}-linux-{machine}.tar.gz")
        print(f"wrote {out} ({out.stat().st_size / 2**20:.1f} MiB) and its .sha256")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
