"""The catalogue of bad uploads (not used at run time): every file is made in code, none is committed.

Each entry is one thing a careless phone, a confused resident or an attacker may send, what the
platform must do with it, and why. The tests in cases/tests/test_upload_catalogue.py send every
entry through every real entry point (web form, elder flow, help desk, REST API, staff completion);
docs/uploads.md lists the same table for people.

An entry's outcome is either "rejected" (a clear message, nothing saved, no case or resolution
created) or "re-encoded" (accepted; what is stored is a new JPEG made from the pixels only, or for a
voice note the validated recording, under a server-generated name).
"""

import functools
import io
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from .audio import tone_bytes, wav_bytes
from .image_files import (
    animated,
    assert_clean_jpeg,
    bomb_png,
    cmyk_red,
    elf_bytes,
    exe_bytes,
    exif_with_gps_thumbnail,
    first_frame_red,
    gps_exif,
    has_size,
    image_bytes,
    jpeg_declaring,
    jpeg_of_size,
    mid_grey,
    png_with_text,
    segment,
    sixteen_bit_grey_png,
    upload,
    with_segments,
    zip_bytes,
)

REJECTED = "rejected"
ACCEPTED = "accepted"


@dataclass(frozen=True)
class Entry:
    key: str
    outcome: str  # REJECTED or ACCEPTED
    why: str  # one line for docs/uploads.md
    build: Callable[[], list[SimpleUploadedFile]]
    message: str = ""  # a fragment of the error the user must see (REJECTED only)
    # For ACCEPTED: a check on the stored bytes beyond the generic ones (raises AssertionError).
    check: Callable[[bytes], None] | None = None


# ---------------------------------------------------------------------------------------------
# The photo catalogue


def _one(data_fn, name: str, content_type: str = "image/jpeg"):
    return lambda: [upload(data_fn(), name, content_type)]


def _limit() -> int:
    return settings.MINSHENG_MAX_PHOTO_BYTES


NOT_IMAGE = "不是可识别的照片"

PHOTOS: list[Entry] = [
    Entry(
        "zero-bytes",
        REJECTED,
        "an empty file: a failed camera capture",
        _one(lambda: b"", "photo.jpg"),
        "空文件",
    ),
    Entry(
        "text-named-jpg",
        REJECTED,
        "plain text with a .jpg name: the name and the declared type are not trusted",
        _one(lambda: "这不是照片".encode(), "photo.jpg"),
        NOT_IMAGE,
    ),
    Entry(
        "html-renamed-jpg",
        REJECTED,
        "an HTML page renamed .jpg: would run script if ever served as HTML",
        _one(lambda: b"<!doctype html><html><body><script>alert(1)</script></body></html>", "photo.jpg"),
        NOT_IMAGE,
    ),
    Entry(
        "svg-with-script",
        REJECTED,
        "SVG is XML and may carry <script>: never accepted, whatever its name",
        _one(
            lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "drawing.svg",
            "image/svg+xml",
        ),
        NOT_IMAGE,
    ),
    Entry(
        "svg-renamed-jpg",
        REJECTED,
        "the same SVG named .jpg with type image/jpeg",
        _one(
            lambda: b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "a.jpg",
        ),
        NOT_IMAGE,
    ),
    Entry(
        "png-html-polyglot",
        REJECTED,
        "a real PNG with an HTML page after its end: valid image and valid HTML at once",
        _one(
            lambda: image_bytes("PNG") + b"<html><script>alert(1)</script></html>", "photo.png", "image/png"
        ),
        NOT_IMAGE,
    ),
    Entry(
        "png-php-in-text-chunk",
        REJECTED,
        "PHP code hidden in a PNG text chunk (a web-shell upload)",
        _one(lambda: png_with_text("Comment", "<?php system($_GET[1]); ?>"), "photo.png", "image/png"),
        NOT_IMAGE,
    ),
    Entry(
        "jpeg-html-polyglot",
        REJECTED,
        "a real JPEG with <script> after the end-of-image marker",
        _one(lambda: image_bytes("JPEG") + b"<script>alert(1)</script>", "photo.jpg"),
        NOT_IMAGE,
    ),
    Entry(
        "jpeg-script-in-comment",
        REJECTED,
        "a real JPEG with <script> in its comment segment",
        _one(lambda: image_bytes("JPEG", comment=b"<script>alert(1)</script>"), "photo.jpg"),
        NOT_IMAGE,
    ),
    Entry(
        "gif-animated",
        REJECTED,
        "GIF (animated or not) is not a camera format; only JPEG, PNG and WebP are accepted",
        _one(lambda: animated("GIF"), "moving.gif", "image/gif"),
        NOT_IMAGE,
    ),
    Entry(
        "webp-animated",
        ACCEPTED,
        "an animated WebP: accepted, its first frame becomes a still JPEG",
        _one(lambda: animated("WEBP"), "moving.webp", "image/webp"),
        check=first_frame_red,
    ),
    Entry(
        "png-animated",
        ACCEPTED,
        "an animated PNG (APNG): accepted, its first frame becomes a still JPEG",
        _one(lambda: animated("PNG"), "moving.png", "image/png"),
        check=first_frame_red,
    ),
    Entry(
        "tiff",
        REJECTED,
        "TIFF: a complex format with a long history of parser bugs; phones do not send it",
        _one(lambda: image_bytes("TIFF"), "scan.tiff", "image/tiff"),
        NOT_IMAGE,
    ),
    Entry(
        "bmp",
        REJECTED,
        "BMP: uncompressed and not a camera format",
        _one(lambda: image_bytes("BMP"), "paint.bmp", "image/bmp"),
        NOT_IMAGE,
    ),
    Entry(
        "heic",
        REJECTED,
        "HEIC (iPhone): not decodable here; iOS converts to JPEG when the form asks for image/jpeg",
        _one(
            lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 512,
            "IMG_0001.HEIC",
            "image/heic",
        ),
        NOT_IMAGE,
    ),
    Entry(
        "pdf",
        REJECTED,
        "a PDF (even one that holds a picture)",
        _one(lambda: image_bytes("PDF"), "scan.pdf", "application/pdf"),
        NOT_IMAGE,
    ),
    Entry("exe", REJECTED, "a Windows program renamed .jpg", _one(exe_bytes, "photo.jpg"), NOT_IMAGE),
    Entry("elf", REJECTED, "a Linux program renamed .jpg", _one(elf_bytes, "photo.jpg"), NOT_IMAGE),
    Entry("zip", REJECTED, "a ZIP archive named .jpg", _one(zip_bytes, "photos.jpg"), NOT_IMAGE),
    Entry(
        "jpeg-zip-polyglot",
        ACCEPTED,
        "a JPEG with a ZIP archive appended: the picture is kept, the archive is not",
        _one(lambda: image_bytes("JPEG") + zip_bytes(), "photo.jpg"),
    ),
    Entry(
        "truncated-jpeg",
        REJECTED,
        "a JPEG cut off in the middle (a dropped mobile connection)",
        _one(lambda: image_bytes("JPEG", size=(400, 300), colour=(1, 2, 3))[:-400], "photo.jpg"),
        NOT_IMAGE,
    ),
    Entry(
        "truncated-png",
        REJECTED,
        "a PNG cut off after its header",
        _one(lambda: image_bytes("PNG", size=(400, 300))[:60], "photo.png", "image/png"),
        NOT_IMAGE,
    ),
    Entry(
        "decompression-bomb-png",
        REJECTED,
        "a tiny PNG declaring 50000×50000 pixels (2.5 gigapixels, ~7 GB decoded): refused by its header",
        _one(lambda: bomb_png(50_000, 50_000), "bomb.png", "image/png"),
        "像素过多",
    ),
    Entry(
        "decompression-bomb-jpeg",
        REJECTED,
        "a small JPEG whose frame header declares 60000×60000 pixels",
        _one(lambda: jpeg_declaring(60_000, 60_000), "bomb.jpg"),
        "像素过多",
    ),
    Entry(
        "exactly-the-size-limit",
        ACCEPTED,
        "a valid JPEG of exactly MAX_PHOTO_BYTES (10 MB) bytes: the limit is inclusive",
        lambda: [upload(jpeg_of_size(_limit()), "big.jpg")],
        check=has_size(64, 48),
    ),
    Entry(
        "size-limit-plus-one-byte",
        REJECTED,
        "the same JPEG one byte longer",
        lambda: [upload(jpeg_of_size(_limit() + 1), "big.jpg")],
        "超过 10 MB",
    ),
    Entry(
        "too-many-files",
        REJECTED,
        "seven photos where six are allowed: all are refused, none is silently dropped",
        lambda: [upload(image_bytes("JPEG"), f"p{i}.jpg") for i in range(settings.MINSHENG_MAX_PHOTOS + 1)],
        "最多上传 6 张",
    ),
    Entry(
        "name-path-traversal",
        ACCEPTED,
        "a valid photo named ../../etc/passwd.jpg: stored under a generated name, never the given path",
        _one(lambda: image_bytes("JPEG"), "../../etc/passwd.jpg"),
    ),
    Entry(
        "name-with-nul",
        ACCEPTED,
        "a valid photo whose name holds a NUL byte",
        _one(lambda: image_bytes("JPEG"), "photo\x00.php.jpg"),
    ),
    Entry(
        "name-very-long",
        ACCEPTED,
        "a valid photo with a 1000-character name",
        _one(lambda: image_bytes("JPEG"), "长" * 996 + ".jpg"),
    ),
    Entry(
        "name-rtl-override",
        ACCEPTED,
        "a valid photo named with a right-to-left override (photo\u202egpj.exe shows as photoexe.jpg)",
        _one(lambda: image_bytes("JPEG"), "photo\u202egpj.exe"),
    ),
    Entry(
        "png-named-jpg",
        ACCEPTED,
        "a valid PNG named .jpg: the content decides, and it is stored as a JPEG",
        _one(lambda: image_bytes("PNG"), "photo.jpg"),
    ),
    Entry(
        "jpeg-named-png",
        ACCEPTED,
        "a valid JPEG named .png with type image/png",
        _one(lambda: image_bytes("JPEG"), "photo.png", "image/png"),
    ),
    Entry(
        "jpeg-with-gps-exif",
        ACCEPTED,
        "a phone photo with GPS in its EXIF: the resident's home position must not be kept",
        _one(lambda: image_bytes("JPEG", exif=gps_exif()), "IMG_2024.jpg"),
    ),
    Entry(
        "jpeg-gps-in-exif-thumbnail",
        ACCEPTED,
        "EXIF whose embedded thumbnail is a JPEG with its own GPS EXIF",
        _one(exif_with_gps_thumbnail, "IMG_2025.jpg"),
    ),
    Entry(
        "jpeg-second-picture-with-gps",
        ACCEPTED,
        "a JPEG followed by a second JPEG carrying GPS (as multi-picture phones write)",
        _one(lambda: image_bytes("JPEG") + image_bytes("JPEG", exif=gps_exif()), "IMG_2026.jpg"),
    ),
    Entry(
        "png-with-gps-exif",
        ACCEPTED,
        "a PNG with an eXIf chunk holding GPS",
        _one(lambda: image_bytes("PNG", exif=gps_exif()), "screen.png", "image/png"),
    ),
    Entry(
        "webp-with-gps-exif",
        ACCEPTED,
        "a WebP with EXIF holding GPS",
        _one(lambda: image_bytes("WEBP", exif=gps_exif()), "photo.webp", "image/webp"),
    ),
    Entry(
        "jpeg-with-xmp-gps",
        ACCEPTED,
        "a JPEG with an XMP packet holding a GPS position",
        _one(
            lambda: image_bytes(
                "JPEG", xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">GPSLatitude 29,30N</x:xmpmeta>'
            ),
            "edited.jpg",
        ),
    ),
    Entry(
        "png-comment-text-chunk",
        ACCEPTED,
        "a PNG whose 'comment' text chunk names a home address (was copied into the JPEG before)",
        _one(lambda: png_with_text("comment", "GPS 29.5N 109.5E 3栋2单元"), "photo.png", "image/png"),
    ),
    Entry(
        "cmyk-jpeg",
        ACCEPTED,
        "a CMYK JPEG (from a scanner or print software): converted to RGB",
        _one(lambda: image_bytes("JPEG", mode="CMYK", colour=(0, 255, 255, 0)), "print.jpg"),
        check=cmyk_red,
    ),
    Entry(
        "png-16-bit-grey",
        ACCEPTED,
        "a 16-bit greyscale PNG: scaled to 8 bits (it used to come out white)",
        _one(sixteen_bit_grey_png, "grey16.png", "image/png"),
        check=mid_grey,
    ),
    Entry(
        "jpeg-huge-icc-profile",
        ACCEPTED,
        "a JPEG with a 600 KB ICC colour profile (spread over 10 APP2 segments): profile dropped",
        _one(lambda: image_bytes("JPEG", icc_profile=b"\x00" * 600_000), "wide.jpg"),
    ),
    Entry(
        "jpeg-huge-comment",
        ACCEPTED,
        "a JPEG with 2 MB of comment segments: comments dropped (they were copied before)",
        _one(lambda: with_segments(image_bytes("JPEG"), segment(0xFE, b"c" * 65000) * 32), "note.jpg"),
    ),
    Entry(
        "extreme-aspect-ratio",
        REJECTED,
        "a 1×100000 PNG: no camera makes it; thumbnails and pages would break",
        _one(lambda: image_bytes("PNG", size=(1, 100_000), mode="L", colour=128), "line.png", "image/png"),
        "长宽比例异常",
    ),
]


# ---------------------------------------------------------------------------------------------
# The voice-note catalogue


@functools.cache
def _three_minutes_wav() -> bytes:
    return wav_bytes(seconds=180, rate=8000)


def _wav_header(seconds: int, rate: int = 8000) -> bytes:
    size = seconds * rate * 2
    return (
        b"RIFF"
        + struct.pack("<I", 36 + size)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", size)
    )


def _three_hours_wav_over_the_limit() -> bytes:
    """The first MAX_VOICE_BYTES + 1 bytes of a three-hour WAV (the whole one is 170 MB)."""
    limit = settings.MINSHENG_MAX_VOICE_BYTES
    header = _wav_header(3 * 3600)
    return header + b"\x00\x01" * ((limit + 1 - len(header)) // 2) + b"\x00" * ((limit + 1 - len(header)) % 2)


def _webm_declaring_three_hours() -> bytes:
    """A real 2-second WebM whose Segment Info Duration is patched to three hours."""
    data = tone_bytes("webm", 2.0)
    at = data.index(b"\x44\x89\x88")  # Duration element, 8-byte float, in milliseconds
    return data[: at + 3] + struct.pack(">d", 3 * 3600 * 1000.0) + data[at + 11 :]


def _webm_without_frames() -> bytes:
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="webm") as out:
        out.add_stream("libopus", rate=48000, layout="mono")
        out.start_encoding()
    return buf.getvalue()


def _video_without_audio() -> bytes:
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="webm") as out:
        stream = out.add_stream("libvpx", rate=5)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(5):
            frame = av.VideoFrame(64, 48, "yuv420p")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def _mp3() -> bytes:
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=44100, layout="mono")
        for i in range(40):
            frame = av.AudioFrame(format="s16p", layout="mono", samples=1152)
            frame.planes[0].update(b"\x10\x00" * 1152)
            frame.sample_rate = 44100
            frame.pts = i * 1152
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def _voice(data_fn, name: str, content_type: str = "audio/webm"):
    return lambda: [upload(data_fn(), name, content_type)]


NOT_AUDIO = "语音留言无法播放"

VOICE: list[Entry] = [
    Entry(
        "voice-zero-bytes",
        REJECTED,
        "an empty recording",
        _voice(lambda: b"", "voice.webm"),
        "语音留言是空的",
    ),
    Entry(
        "voice-text-named-webm",
        REJECTED,
        "text with a .webm name and type audio/webm",
        _voice(lambda: "我家水管坏了".encode(), "voice.webm"),
        NOT_AUDIO,
    ),
    Entry(
        "voice-text-named-ogg",
        REJECTED,
        "text with a .ogg name",
        _voice(lambda: b"OggS is not enough" * 10, "voice.ogg", "audio/ogg"),
        NOT_AUDIO,
    ),
    Entry(
        "voice-fake-m4a",
        REJECTED,
        "an MP4 'ftyp' header followed by nothing playable, named .m4a",
        _voice(
            lambda: b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A mp42" + b"\x00" * 600,
            "voice.m4a",
            "audio/mp4",
        ),
        NOT_AUDIO,
    ),
    Entry(
        "voice-html-named-webm",
        REJECTED,
        "an HTML page named .webm",
        _voice(lambda: b"<html><script>alert(1)</script></html>", "voice.webm"),
        NOT_AUDIO,
    ),
    Entry(
        "voice-playlist",
        REJECTED,
        "an HLS playlist pointing at a local file (FFmpeg would follow it if allowed to guess)",
        _voice(lambda: b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n", "voice.m3u8", "audio/x-mpegurl"),
        NOT_AUDIO,
    ),
    Entry(
        "voice-mp3",
        REJECTED,
        "an MP3: browsers do not record it; only WebM, Ogg, MP4 (M4A) and WAV are accepted",
        _voice(_mp3, "voice.mp3", "audio/mpeg"),
        NOT_AUDIO,
    ),
    Entry(
        "voice-avi-riff",
        REJECTED,
        "a RIFF file that is AVI, not WAVE",
        _voice(lambda: b"RIFF\x24\x00\x00\x00AVI LIST" + b"\x00" * 500, "voice.wav", "audio/wav"),
        NOT_AUDIO,
    ),
    Entry(
        "voice-video-no-audio",
        REJECTED,
        "a WebM video with no audio stream",
        _voice(_video_without_audio, "clip.webm", "video/webm"),
        NOT_AUDIO,
    ),
    Entry(
        "voice-truncated-webm",
        REJECTED,
        "a WebM recording cut off after 300 bytes",
        _voice(lambda: tone_bytes("webm", 2.0)[:300], "voice.webm"),
        NOT_AUDIO,
    ),
    Entry(
        "voice-zero-duration",
        REJECTED,
        "a WebM with an audio track and no audio frames at all (FFmpeg reads it as cut off)",
        _voice(_webm_without_frames, "voice.webm"),
        NOT_AUDIO,
    ),
    Entry(
        "voice-wav-zero-samples",
        REJECTED,
        "a WAV whose data chunk is empty",
        _voice(lambda: _wav_header(0), "voice.wav", "audio/wav"),
        "没有声音",
    ),
    Entry(
        "voice-too-short",
        REJECTED,
        "0.1 s: a tap on the record button, too short to hold a word",
        _voice(lambda: wav_bytes(seconds=0.1), "voice.wav", "audio/wav"),
        "没有声音",
    ),
    Entry(
        "voice-three-hours",
        REJECTED,
        "a 3-hour recording (170 MB as WAV): refused by its size after reading MAX_VOICE_BYTES + 1 bytes, "
        "nothing decoded",
        _voice(_three_hours_wav_over_the_limit, "meeting.wav", "audio/wav"),
        "超过 5 MB",
    ),
    Entry(
        "voice-header-says-three-hours",
        REJECTED,
        "a WebM whose header declares 3 hours: refused from the header, nothing decoded",
        _voice(_webm_declaring_three_hours, "voice.webm"),
        "太长了",
    ),
    Entry(
        "voice-three-minutes",
        REJECTED,
        "a real 3-minute WAV (under the size limit): decoding stops just past the 2-minute limit",
        _voice(_three_minutes_wav, "voice.wav", "audio/wav"),
        "太长了",
    ),
    Entry(
        "voice-webm-named-ogg",
        ACCEPTED,
        "a valid WebM named .ogg: the content decides; stored as .webm and served as audio/webm",
        _voice(lambda: tone_bytes("webm", 2.0), "voice.ogg", "audio/ogg"),
    ),
    Entry(
        "voice-name-path-traversal",
        ACCEPTED,
        "a valid recording named ../../etc/cron.d/x.ogg: stored under a generated name",
        _voice(lambda: tone_bytes("ogg", 2.0), "../../etc/cron.d/x.ogg", "audio/ogg"),
    ),
]

CATALOGUE = PHOTOS + VOICE


# ---------------------------------------------------------------------------------------------
# What the entry-point tests assert

STORED_PHOTO = re.compile(r"cases/\d{4}/\d{2}/[0-9a-f]{32}(_t)?\.jpg")
STORED_VOICE = re.compile(r"(cases|voice-pending)/\d{4}/\d{2}/[0-9a-f]{32}\.(webm|ogg|m4a|wav)")
VOICE_TYPES = {"webm": "audio/webm", "ogg": "audio/ogg", "m4a": "audio/mp4", "wav": "audio/wav"}
VOICE_MAGIC = {"webm": b"\x1a\x45\xdf\xa3", "ogg": b"OggS", "wav": b"RIFF"}


def media_files() -> list[str]:
    """Every file under MEDIA_ROOT, as storage names."""
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def assert_nothing_stored() -> None:
    from cases.models import Attachment

    assert media_files() == []
    assert not Attachment.objects.exists()


def read_stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def assert_photos_stored(entry: Entry, attachments, *, others=()) -> None:
    """Each stored photo and thumbnail: a generated name and a clean JPEG; no other file on disk.

    `attachments` came from the entry's files; `others` (say, the after photos of a completion) are
    checked the same way but not with the entry's own check."""
    attachments, others = list(attachments), list(others)
    assert len(attachments) >= 1
    names = []
    for attachment in attachments + others:
        assert attachment.content_type == "image/jpeg"
        for name in (attachment.file.name, attachment.thumbnail.name):
            assert STORED_PHOTO.fullmatch(name), name
            names.append(name)
            assert_clean_jpeg(read_stored(name))
        if entry.check is not None and attachment in attachments:
            entry.check(read_stored(attachment.file.name))
    assert sorted(names) == [n for n in media_files() if not n.startswith("voice-pending/")]


def assert_voice_stored(name: str, content_type: str | None = None) -> None:
    assert STORED_VOICE.fullmatch(name), name
    extension = name.rsplit(".", 1)[1]
    if content_type is not None:
        assert content_type == VOICE_TYPES[extension]
    magic = VOICE_MAGIC.get(extension)
    data = read_stored(name)
    if magic:
        assert data.startswith(magic)
    else:
        assert data[4:8] == b"ftyp"
