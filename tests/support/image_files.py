"""Odd image files made in code for the bad-upload catalogue (tests/support/uploads.py): bombs,
polyglots, files with GPS in their EXIF, animated and 16-bit images, and checks on what is stored."""

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

# ---------------------------------------------------------------------------------------------
# Building blocks


def upload(data: bytes, name: str, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def image_bytes(fmt: str, size=(64, 48), mode="RGB", colour=(200, 60, 60), **params) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, colour).save(buf, fmt, **params)
    return buf.getvalue()


def gps_exif() -> bytes:
    """EXIF with a camera make and a GPS position (a home in 夔北街道), as a phone writes it."""
    exif = Image.Exif()
    exif[0x010F] = "Phone Maker"
    exif[0x8825] = {1: "N", 2: (29.0, 30.0, 15.0), 3: "E", 4: (109.0, 30.0, 0.0)}
    return exif.tobytes()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header declares width × height pixels, with almost no data behind it."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + png_chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) is patched to declare width × height."""
    data = bytearray(image_bytes("JPEG", size=(16, 16)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_of_size(total: int) -> bytes:
    """A valid JPEG of exactly `total` bytes, padded with comment (COM) segments after SOI."""
    base = image_bytes("JPEG", size=(64, 48))
    need = total - len(base)
    if need < 0:
        raise ValueError(total)
    padding = b""
    while need > 0:
        payload = min(need - 4, 65533)
        if payload < 0:  # fewer than 4 bytes left: re-balance with the previous segment
            raise ValueError(total)
        padding += segment(0xFE, b"a" * payload)
        need -= payload + 4
    return base[:2] + padding + base[2:]


def with_segments(jpeg: bytes, segments: bytes) -> bytes:
    return jpeg[:2] + segments + jpeg[2:]


def exif_with_gps_thumbnail() -> bytes:
    """An outer JPEG whose EXIF IFD1 carries a thumbnail JPEG, which carries its own GPS EXIF."""
    thumbnail = image_bytes("JPEG", size=(16, 12), exif=gps_exif())
    # TIFF little-endian: IFD0 (orientation) → IFD1 (compression, thumbnail offset and length).
    ifd0_at = 8
    ifd0 = struct.pack("<H", 1) + struct.pack("<HHII", 0x0112, 3, 1, 1)
    ifd1_at = ifd0_at + len(ifd0) + 4
    thumb_at = ifd1_at + 2 + 3 * 12 + 4
    ifd1 = (
        struct.pack("<H", 3)
        + struct.pack("<HHII", 0x0103, 3, 1, 6)
        + struct.pack("<HHII", 0x0201, 4, 1, thumb_at)
        + struct.pack("<HHII", 0x0202, 4, 1, len(thumbnail))
        + struct.pack("<I", 0)
    )
    tiff = b"II*\x00" + struct.pack("<I", ifd0_at) + ifd0 + struct.pack("<I", ifd1_at) + ifd1 + thumbnail
    outer = image_bytes("JPEG", size=(64, 48))
    return with_segments(outer, segment(0xE1, b"Exif\x00\x00" + tiff))


def animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (64, 48), colour) for colour in ((220, 20, 20), (20, 220, 20), (20, 20, 220))]
    buf = io.BytesIO()
    frames[0].save(buf, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buf.getvalue()


def png_with_text(key: str, text: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text(key, text)
    return image_bytes("PNG", pnginfo=info)


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("photo.jpg", image_bytes("JPEG"))
        archive.writestr("run.sh", "#!/bin/sh\nrm -rf /\n")
    return buf.getvalue()


def exe_bytes() -> bytes:
    stub = b"MZ" + b"\x90\x00" * 29 + struct.pack("<I", 0x80)
    return stub.ljust(0x80, b"\0") + b"PE\0\0" + b"\x4c\x01" + b"This program cannot be run in DOS mode." * 20


def elf_bytes() -> bytes:
    header = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<HHI", 2, 0x3E, 1)
    return header.ljust(64, b"\0") + b"\x90" * 4096


def sixteen_bit_grey_png() -> bytes:
    buf = io.BytesIO()
    Image.new("I;16", (64, 48), 40000).save(buf, "PNG")  # 40000/65535 ≈ 61 % grey
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Checks on a stored (re-encoded) photo


def jpeg_markers(data: bytes) -> list[int]:
    """The marker of every segment before the scan data of a JPEG (0xE0 APP0, 0xE1 APP1/EXIF …)."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    pos, markers = 2, []
    while pos + 4 <= len(data):
        assert data[pos] == 0xFF, "broken JPEG"
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length
    return markers


# JFIF header, quantisation and Huffman tables, frame header, scan: nothing else is written.
PLAIN_JPEG_MARKERS = {0xE0, 0xDB, 0xC4, 0xC0, 0xC2, 0xDA, 0xDD}


def assert_clean_jpeg(data: bytes) -> None:
    """A stored photo: a plain RGB JPEG with no EXIF, GPS, ICC, XMP, comment or second picture."""
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG" and img.mode == "RGB"
        assert len(img.getexif()) == 0
        assert not {"exif", "icc_profile", "comment", "xmp", "photoshop", "mp"} & set(img.info)
        img.load()
    extra = set(jpeg_markers(data)) - PLAIN_JPEG_MARKERS
    assert not extra, f"unexpected JPEG segments {sorted(hex(m) for m in extra)}"
    # 0xFFD8 cannot occur inside entropy-coded data, so a second one is a second, embedded picture.
    assert data.count(b"\xff\xd8") == 1
    for needle in (b"Exif", b"GPS", b"Phone Maker", b"PK\x03\x04", b"<script", b"<html"):
        assert needle not in data, needle


def pixel(data: bytes, xy=(10, 10)):
    with Image.open(io.BytesIO(data)) as img:
        return img.getpixel(xy)


def close(a, b, tolerance=12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def first_frame_red(data: bytes) -> None:
    assert close(pixel(data), (220, 20, 20)), pixel(data)


def mid_grey(data: bytes) -> None:
    assert close(pixel(data), (155, 155, 155), 4), pixel(data)


def cmyk_red(data: bytes) -> None:
    red, green, blue = pixel(data)
    assert red > 200 and green < 60 and blue < 60, (red, green, blue)


def has_size(width: int, height: int):
    def check(data: bytes) -> None:
        with Image.open(io.BytesIO(data)) as img:
            assert img.size == (width, height), img.size

    return check
