"""Photos: accept only what Pillow decodes as JPEG, PNG or WebP; re-encode without metadata.

Re-encoding drops EXIF (GPS position, camera serial) and anything smuggled after the image data;
files are stored under server-generated names, never the uploader's.
"""

import io
import logging
import struct
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

# MPO is how Pillow names a JPEG with a second picture appended (many phone cameras write one).
ALLOWED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}
THUMBNAIL_SIZE = (480, 480)
MAX_EDGE = 2560
# No camera takes a photo thinner than this; a 1×100000 image is a probe, and useless to staff.
MAX_ASPECT_RATIO = 20
# Pillow's modes for 16-bit greyscale (PNG): converting them straight to RGB clips them to white.
_WIDE_MODES = {"I", "I;16", "I;16B", "I;16L", "I;16N"}
# Markers of markup or script: a file that decodes as an image but carries these is a polyglot.
# They are looked for outside the compressed pixel data only: a genuine 10 MB photo's compressed
# bytes contain "<svg" by chance often enough (about one photo in a hundred) to turn residents away.
_POLYGLOT_MARKERS = (b"<script", b"<html", b"<?php", b"<svg", b"<!doctype", b"<iframe", b"<body")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_PIXEL_CHUNKS = {b"IDAT", b"fdAT"}
_WEBP_PIXEL_CHUNKS = {b"VP8 ", b"VP8L", b"ALPH", b"ANMF"}


def _jpeg_outside_pixels(data: bytes, pos: int = 0, depth: int = 0) -> list[bytes]:
    """The JPEG's segments and trailing bytes, without the entropy-coded scan data."""
    parts: list[bytes] = []
    if data[pos : pos + 2] != b"\xff\xd8":
        return [data[pos:]]
    pos += 2
    n = len(data)
    while pos < n:
        if data[pos] != 0xFF:
            return [*parts, data[pos:]]
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            break
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # end of image: what follows is trailing data, or the next MPO picture
            rest = data[pos:]
            stripped = rest.lstrip(b"\x00")
            if stripped.startswith(b"\xff\xd8") and depth < 8:
                return parts + _jpeg_outside_pixels(stripped, 0, depth + 1)
            return [*parts, rest]
        if marker in (0x01, *range(0xD0, 0xD8)):
            continue
        if pos + 2 > n:
            return [*parts, data[pos:]]
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        parts.append(data[pos : pos + length])
        pos += length
        if marker == 0xDA:  # start of scan: skip compressed data up to the next real marker
            while pos < n - 1:
                if data[pos] == 0xFF and data[pos + 1] != 0x00 and not 0xD0 <= data[pos + 1] <= 0xD7:
                    break
                pos += 1
            else:
                pos = n
    return parts


def _png_outside_pixels(data: bytes) -> list[bytes]:
    parts: list[bytes] = []
    pos, n = len(_PNG_SIGNATURE), len(data)
    while pos + 8 <= n:
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if kind not in _PNG_PIXEL_CHUNKS:
            parts.append(data[pos:end])
        pos = end
        if kind == b"IEND":
            break
    parts.append(data[pos:])
    return parts


def _webp_outside_pixels(data: bytes) -> list[bytes]:
    riff_end = 8 + struct.unpack("<I", data[4:8])[0]
    parts: list[bytes] = [data[:12], data[riff_end:]]
    pos = 12
    while pos + 8 <= min(riff_end, len(data)):
        kind, length = struct.unpack("<4sI", data[pos : pos + 8])
        end = pos + 8 + length + (length & 1)
        parts.append(data[pos : pos + 8] if kind in _WEBP_PIXEL_CHUNKS else data[pos:end])
        pos = end
    parts.append(data[pos:riff_end])
    return parts


def _looks_like_polyglot(data: bytes, image_format: str) -> bool:
    """Whether markup hides in the file's metadata or after the image's end."""
    try:
        if image_format in ("JPEG", "MPO"):
            parts = _jpeg_outside_pixels(data)
        elif image_format == "PNG":
            parts = _png_outside_pixels(data)
        elif image_format == "WEBP":
            parts = _webp_outside_pixels(data)
        else:
            parts = [data]
    except (struct.error, IndexError):
        parts = [data]
    return any(marker in part.lower() for part in parts for marker in _POLYGLOT_MARKERS)


@dataclass
class ProcessedPhoto:
    """A validated photo, re-encoded as JPEG, ready to store."""

    original_name: str
    image: bytes
    thumbnail: bytes
    width: int
    height: int


def _read(upload) -> bytes:
    limit = settings.MINSHENG_MAX_PHOTO_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(_too_big(upload, limit))
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(_too_big(upload, limit))
    if not data:
        raise ValidationError(_("照片“%(name)s”是空文件。") % {"name": _name(upload)})
    return data


def _name(upload) -> str:
    return str(getattr(upload, "name", "") or _("照片"))[:80]


def _too_big(upload, limit: int) -> str:
    return _("照片“%(name)s”超过 %(mb)d MB,请压缩后再上传。") % {
        "name": _name(upload),
        "mb": limit // (1024 * 1024),
    }


def _as_rgb(img: Image.Image) -> Image.Image:
    """The image as 8-bit RGB: transparency on white, 16-bit greyscale scaled rather than clipped."""
    if img.mode in _WIDE_MODES:
        return img.convert("I").point(lambda v: v * (1 / 257)).convert("L").convert("RGB")
    if img.mode == "RGB":
        return img
    if img.mode == "L":
        return img.convert("RGB")
    background = Image.new("RGB", img.size, (255, 255, 255))
    rgba = img.convert("RGBA")
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def process_photo(upload) -> ProcessedPhoto:
    """Validate one uploaded photo by its content and return it re-encoded, or raise ValidationError."""
    data = _read(upload)
    not_image = _("“%(name)s”不是可识别的照片(只接受 JPEG、PNG、WebP 格式)。") % {"name": _name(upload)}
    max_pixels = settings.MINSHENG_MAX_PHOTO_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS or _looks_like_polyglot(data, probe.format):
                raise ValidationError(not_image)
            width, height = probe.size
            if width * height > max_pixels:
                raise ValidationError(
                    _("照片“%(name)s”像素过多(最多 %(mp)d 百万像素)。")
                    % {"name": _name(upload), "mp": max_pixels // 1_000_000}
                )
            if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
                raise ValidationError(
                    _("照片“%(name)s”的长宽比例异常(超过 %(ratio)d:1),请上传正常拍摄的照片。")
                    % {"name": _name(upload), "ratio": MAX_ASPECT_RATIO}
                )
            probe.verify()
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()  # a truncated file fails here
            img = _as_rgb(ImageOps.exif_transpose(opened))
            img.thumbnail((MAX_EDGE, MAX_EDGE))
            full = io.BytesIO()
            # Only the pixels are kept: the JPEG encoder would otherwise copy a source comment
            # (im.info["comment"], from a JPEG COM segment or a PNG text chunk) into the output.
            img.info.clear()
            img.save(full, "JPEG", quality=85, optimize=True)
            thumb_img = img.copy()
            thumb_img.thumbnail(THUMBNAIL_SIZE)
            thumb_img.info.clear()
            thumb = io.BytesIO()
            thumb_img.save(thumb, "JPEG", quality=80, optimize=True)
            final_size = img.size
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise ValidationError(_("照片“%(name)s”像素过多,无法处理。") % {"name": _name(upload)}) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(not_image) from exc
    except Exception as exc:  # a crafted file can trip any of Pillow's parsers: refuse, never a 500
        logger.warning("photo refused after an unexpected %s: %s", type(exc).__name__, exc)
        raise ValidationError(not_image) from exc
    return ProcessedPhoto(
        original_name=_name(upload),
        image=full.getvalue(),
        thumbnail=thumb.getvalue(),
        width=final_size[0],
        height=final_size[1],
    )


def process_photos(uploads, *, field_label: str = "", max_count: int | None = None) -> list[ProcessedPhoto]:
    """Validate every upload; raise one ValidationError listing all problems."""
    uploads = [u for u in uploads if u]
    max_count = settings.MINSHENG_MAX_PHOTOS if max_count is None else max_count
    if len(uploads) > max_count:
        raise ValidationError(_("%(label)s最多上传 %(n)d 张照片。") % {"label": field_label, "n": max_count})
    errors, processed = [], []
    for upload in uploads:
        try:
            processed.append(process_photo(upload))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return processed


def store_photo(photo: ProcessedPhoto) -> tuple[str, str]:
    """Save a processed photo and its thumbnail through the storage API; return both names."""
    now = timezone.now()
    stem = f"cases/{now:%Y/%m}/{uuid.uuid4().hex}"
    name = default_storage.save(f"{stem}.jpg", ContentFile(photo.image))
    thumb = default_storage.save(f"{stem}_t.jpg", ContentFile(photo.thumbnail))
    return name, thumb


def delete_stored(names: list[str]) -> None:
    """Remove files saved for a submission that did not commit."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            pass
