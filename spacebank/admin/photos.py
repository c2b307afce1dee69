"""Venue photo uploads: checked by Pillow, stored under instance/uploads with random names.

The file name a browser sends is never used: it could hold a path or a misleading
extension. Only what Pillow recognises as a JPEG, PNG or WebP image is kept.
"""

import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, UnidentifiedImageError

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000  # refuse decompression bombs well before Pillow's own warning


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    extension: str


def upload_folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_upload(upload, max_bytes: int) -> CheckedImage | str:
    """The image, or the error message to show."""
    if upload is None or not upload.filename:
        return "Select a photo to upload"
    data = upload.stream.read(max_bytes + 1)
    if not data:
        return "The selected photo is empty"
    if len(data) > max_bytes:
        return f"The photo must be smaller than {max_bytes // (1024 * 1024)} MB"
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return "The photo must be a JPEG, PNG or WebP image"
    if kind not in FORMATS:
        return "The photo must be a JPEG, PNG or WebP image"
    if width * height > MAX_PIXELS:
        return "The photo must be smaller than 40 megapixels"
    return CheckedImage(data, FORMATS[kind])


def save(image: CheckedImage, folder: Path) -> str:
    name = f"{secrets.token_hex(16)}.{image.extension}"
    (folder / name).write_bytes(image.data)
    return name


def remove(folder: Path, filename: str) -> None:
    path = (folder / filename).resolve()
    if path.parent == folder.resolve() and path.exists():
        path.unlink()
