"""Floor-plan images for zone maps: PNG or JPEG, checked whole before anything is kept.

Pillow decodes the whole image (a truncated or corrupt file fails here, not in the pack), refuses
decompression bombs, and turns a photo taken sideways upright (its EXIF orientation applied and the
image re-encoded), so the editor and the pack see the same pixels the polygons were drawn on.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from qsi_desktop.zone_maps.model import Background, ZoneMapError

MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 300 dpi scan of an A1 sheet is about 70 MP; a plan of a unit needs far less
MAX_SIDE = 12_000
MIN_SIDE = 100
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
PDF_MESSAGE = (
    "PDF floor plans are not read yet: open the PDF, export the page as PNG or JPEG (most PDF viewers "
    "offer 'Export as image' or 'Save as PNG'), and import that"
)


@dataclass(frozen=True)
class FloorPlan:
    """A checked image: the bytes to keep and its background (sha256 filled in when stored)."""

    data: bytes
    background: Background


def read_floor_plan(path: Path) -> FloorPlan:
    """Check ``path`` and return what to keep; raises :class:`ZoneMapError` naming the file."""
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ZoneMapError(f"{name}: {size / 1e6:.0f} MB is too large for a floor plan (30 MB at most)")
        data = path.read_bytes()
    except OSError as exc:
        raise ZoneMapError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    return check_floor_plan(data, name)


def check_floor_plan(data: bytes, name: str) -> FloorPlan:
    if not data:
        raise ZoneMapError(f"{name}: the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise ZoneMapError(f"{name}: {len(data) / 1e6:.0f} MB is too large for a floor plan (30 MB at most)")
    if data[:5] == b"%PDF-":
        raise ZoneMapError(f"{name}: {PDF_MESSAGE}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
                if kind not in FORMATS:
                    raise ZoneMapError(f"{name}: a {kind or 'file of unknown type'} image; give a PNG or JPEG")
                width, height = image.size
                _check_size(name, width, height)
                image.load()  # decodes everything: truncated and corrupt files fail here
                upright = ImageOps.exif_transpose(image)
                if upright is not image:  # turned upright: keep the turned pixels
                    data = _encode(upright, kind)
                    width, height = upright.size
    except ZoneMapError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ZoneMapError(f"{name}: the image is too large to open safely") from None
    except UnidentifiedImageError:
        raise ZoneMapError(f"{name}: not an image (give a PNG or JPEG floor plan)") from None
    except (OSError, SyntaxError, ValueError) as exc:  # what Pillow raises for damaged data
        raise ZoneMapError(f"{name}: the image is damaged or truncated ({exc})") from None
    return FloorPlan(data, Background("image", width, height, media_type=FORMATS[kind], file_name=name))


def _check_size(name: str, width: int, height: int) -> None:
    if width < MIN_SIDE or height < MIN_SIDE:
        raise ZoneMapError(f"{name}: {width} x {height} pixels is too small to draw on ({MIN_SIDE} at least)")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise ZoneMapError(
            f"{name}: {width} x {height} pixels is too large (at most {MAX_SIDE} a side and "
            f"{MAX_PIXELS // 1_000_000} million pixels); export the plan at a lower resolution"
        )


def _encode(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "JPEG":
        image.convert("RGB").save(out, format="JPEG", quality=90)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


def open_image(data: bytes) -> Image.Image:
    """A stored floor plan, decoded (it was checked when imported)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data))
        image.load()
    return image
