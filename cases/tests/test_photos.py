"""Photos: only real JPEG/PNG/WebP content, re-encoded without metadata, under our own names."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases import photos
from tests.support.data import jpeg, png


def _upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def _encoded(fmt: str, size=(64, 48), mode="RGB", colour=(200, 60, 60), **params) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, colour).save(buf, fmt, **params)
    return buf.getvalue()


def _bomb_png(width: int, height: int) -> bytes:
    """A PNG header claiming huge dimensions with a tiny payload."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def _svg_script() -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


BAD_FILES = {
    "zero-bytes": lambda: _upload(b""),
    "text-named-jpg": lambda: _upload("这不是照片".encode()),
    "html": lambda: _upload(b"<!doctype html><html><body>hi</body></html>", "page.jpg"),
    "svg-with-script": lambda: _upload(_svg_script(), "x.svg"),
    "gif": lambda: _upload(_encoded("GIF"), "x.gif"),
    "bmp": lambda: _upload(_encoded("BMP"), "x.bmp"),
    "tiff": lambda: _upload(_encoded("TIFF"), "x.tiff"),
    "png-with-html-appended": lambda: _upload(_encoded("PNG") + b"<html><script>alert(1)</script></html>"),
    "jpeg-with-html-appended": lambda: _upload(_encoded("JPEG") + b"<script>alert(1)</script>"),
    "jpeg-with-script-in-comment": lambda: _upload(_encoded("JPEG", comment=b"<script>alert(1)</script>")),
    "png-with-php-in-text-chunk": lambda: _png_with_text(b"<?php system($_GET[1]); ?>"),
    "truncated-jpeg": lambda: _upload(_encoded("JPEG", size=(400, 300))[:-400]),
    "truncated-png": lambda: _upload(_encoded("PNG", size=(400, 300))[:60]),
    "decompression-bomb-png": lambda: _upload(_bomb_png(100_000, 100_000)),
}


def _png_with_text(text: bytes) -> SimpleUploadedFile:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text.decode())
    return _upload(_encoded("PNG", pnginfo=info), "x.png")


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_a_bad_file_is_refused_with_a_clear_message(kind):
    with pytest.raises(ValidationError) as exc:
        photos.process_photo(BAD_FILES[kind]())
    message = " ".join(exc.value.messages)
    assert message
    assert "Traceback" not in message


def test_the_message_names_the_upload_and_the_accepted_formats():
    with pytest.raises(ValidationError) as exc:
        photos.process_photo(_upload(_encoded("GIF"), "猫.gif"))
    assert "猫.gif" in exc.value.messages[0]
    assert "JPEG" in exc.value.messages[0]


def test_a_file_one_byte_over_the_limit_is_refused(settings):
    data = _encoded("JPEG")
    settings.MINSHENG_MAX_PHOTO_BYTES = len(data) - 1
    with pytest.raises(ValidationError):
        photos.process_photo(_upload(data))
    settings.MINSHENG_MAX_PHOTO_BYTES = len(data)
    assert photos.process_photo(_upload(data)).width == 64


def test_an_upload_that_lies_about_its_size_is_still_measured(settings):
    data = _encoded("JPEG")
    settings.MINSHENG_MAX_PHOTO_BYTES = len(data) - 1
    upload = _upload(data)
    upload.size = 10
    with pytest.raises(ValidationError):
        photos.process_photo(upload)


def test_an_image_over_the_pixel_limit_is_refused(settings):
    settings.MINSHENG_MAX_PHOTO_PIXELS = 64 * 48 - 1
    with pytest.raises(ValidationError) as exc:
        photos.process_photo(jpeg(size=(64, 48)))
    assert "像素" in exc.value.messages[0]
    settings.MINSHENG_MAX_PHOTO_PIXELS = 64 * 48
    photos.process_photo(jpeg(size=(64, 48)))


def test_seven_files_when_six_are_allowed_are_refused(settings):
    settings.MINSHENG_MAX_PHOTOS = 6
    with pytest.raises(ValidationError):
        photos.process_photos([jpeg() for _ in range(7)], field_label="现场照片")
    assert len(photos.process_photos([jpeg() for _ in range(6)])) == 6


def test_every_bad_file_in_a_batch_is_reported():
    with pytest.raises(ValidationError) as exc:
        photos.process_photos([jpeg(), _upload(b"", "a.jpg"), _upload(b"xx", "b.jpg")])
    assert len(exc.value.messages) == 2


@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(lambda: jpeg(), id="jpeg"),
        pytest.param(lambda: png(), id="png-with-alpha"),
        pytest.param(lambda: _upload(_encoded("WEBP"), "x.webp"), id="webp"),
        pytest.param(lambda: _upload(_encoded("JPEG", mode="L", colour=90)), id="greyscale-jpeg"),
        pytest.param(lambda: _upload(_encoded("JPEG", mode="CMYK", colour=(0, 0, 0, 0))), id="cmyk-jpeg"),
        pytest.param(lambda: _upload(_encoded("PNG", mode="P", colour=3)), id="palette-png"),
        pytest.param(lambda: _mpo(), id="mpo-jpeg-from-a-phone"),
    ],
)
def test_good_photos_are_accepted_and_stored_as_jpeg(upload):
    result = photos.process_photo(upload())
    with Image.open(io.BytesIO(result.image)) as img:
        assert img.format == "JPEG"
        assert img.mode == "RGB"
        assert img.size == (result.width, result.height)


def _mpo() -> SimpleUploadedFile:
    buf = io.BytesIO()
    first = Image.new("RGB", (64, 48), (10, 200, 10))
    first.save(buf, "MPO", save_all=True, append_images=[Image.new("RGB", (64, 48))])
    return _upload(buf.getvalue())


def test_a_genuine_photo_whose_pixels_happen_to_spell_markup_is_accepted():
    # Uncompressed palette pixels: the bytes "<svg" appear in the image data itself, by chance.
    raw = (b"<svg onload=x>" * 10)[:64]
    img = Image.frombytes("P", (64, 1), raw).resize((64, 8), Image.NEAREST)
    img.putpalette(bytes(range(256)) * 3)
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=0)
    assert b"<svg" in buf.getvalue()
    assert photos.process_photo(_upload(buf.getvalue(), "x.png")).width == 64


def test_transparent_areas_become_white_not_black():
    buf = io.BytesIO()
    Image.new("RGBA", (32, 32), (255, 0, 0, 0)).save(buf, "PNG")
    result = photos.process_photo(_upload(buf.getvalue(), "x.png"))
    with Image.open(io.BytesIO(result.image)) as img:
        assert min(img.getpixel((16, 16))) > 240


def _gps_exif(orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Phone Maker"
    exif[0x8825] = {1: "N", 2: (29.0, 30.0, 15.0), 3: "E", 4: (109.0, 30.0, 0.0)}
    if orientation:
        exif[0x0112] = orientation
    return exif.tobytes()


def test_exif_and_gps_are_removed():
    upload = jpeg(exif=_gps_exif())
    with Image.open(io.BytesIO(upload.read())) as original:
        assert 0x8825 in original.getexif()
    result = photos.process_photo(upload)
    for data in (result.image, result.thumbnail):
        with Image.open(io.BytesIO(data)) as img:
            assert len(img.getexif()) == 0
            assert "exif" not in img.info
        assert b"Exif" not in data
        assert b"Phone Maker" not in data


def test_an_exif_rotated_photo_comes_out_upright():
    # Stored 80 wide and 40 high, with orientation 6: the camera was turned, the photo is portrait.
    buf = io.BytesIO()
    img = Image.new("RGB", (80, 40), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, 40, 40))  # left half red
    img.save(buf, "JPEG", exif=_gps_exif(orientation=6))
    result = photos.process_photo(_upload(buf.getvalue()))
    assert (result.width, result.height) == (40, 80)
    with Image.open(io.BytesIO(result.image)) as out:
        top = out.getpixel((20, 10))
        bottom = out.getpixel((20, 70))
    assert top[0] > 200 and top[2] < 60  # the red half is now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_thumbnails_are_at_most_480_pixels_and_big_photos_are_scaled_down():
    result = photos.process_photo(jpeg(size=(3000, 1000)))
    with Image.open(io.BytesIO(result.thumbnail)) as thumb:
        assert max(thumb.size) <= 480
        assert thumb.size == (480, 160)
    assert max(result.width, result.height) <= photos.MAX_EDGE


def test_stored_names_are_generated_by_the_server(settings):
    from django.core.files.storage import default_storage

    result = photos.process_photo(jpeg(name="../../etc/passwd.jpg"))
    name, thumb = photos.store_photo(result)
    second, _ = photos.store_photo(photos.process_photo(jpeg(name="../../etc/passwd.jpg")))
    assert "passwd" not in name and ".." not in name
    assert name.startswith("cases/") and name.endswith(".jpg")
    assert name != second
    assert thumb != name
    assert default_storage.exists(name) and default_storage.exists(thumb)
    photos.delete_stored([name, thumb])
    assert not default_storage.exists(name)
