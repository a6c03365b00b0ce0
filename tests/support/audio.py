"""Audio factories for tests: real, short recordings made with PyAV (not used at run time)."""

import array
import functools
import io
import math
import sys
import wave

import av
from django.core.files.uploadedfile import SimpleUploadedFile

_FORMATS = {
    # name: (container format, codec, sample rate, content type, extension)
    "webm": ("webm", "libopus", 48000, "audio/webm", "webm"),
    "ogg": ("ogg", "libopus", 48000, "audio/ogg", "ogg"),
    "mp4": ("mp4", "aac", 44100, "audio/mp4", "m4a"),
}


def tone_bytes(kind: str = "webm", seconds: float = 2.0, frequency: float = 440.0) -> bytes:
    """A sine tone encoded as a real WebM/Opus, Ogg/Opus, MP4/AAC or WAV file."""
    if kind == "wav":
        return wav_bytes(seconds=seconds, frequency=frequency)
    fmt, codec, rate, _type, _ext = _FORMATS[kind]
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        chunk = 960 if codec == "libopus" else 1024
        total = int(seconds * rate)
        pts = 0
        while pts < total:
            n = min(chunk, total - pts)
            frame = av.AudioFrame(format="s16", layout="mono", samples=n)
            frame.planes[0].update(_sine(pts, n, rate, frequency))
            frame.sample_rate = rate
            frame.pts = pts
            for packet in stream.encode(frame):
                out.mux(packet)
            pts += n
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


@functools.cache
def _second(rate: int, frequency: float) -> bytes:
    """One second of signed 16-bit little-endian mono sine (a whole number of cycles)."""
    samples = array.array(
        "h", (int(8000 * math.sin(2 * math.pi * frequency * i / rate)) for i in range(rate))
    )
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def _sine(start: int, n: int, rate: int, frequency: float) -> bytes:
    """n samples of the tone from sample `start` on."""
    second = _second(rate, round(frequency))
    out = bytearray()
    pos = start % rate
    while len(out) < n * 2:
        take = min(rate - pos, n - len(out) // 2)
        out += second[pos * 2 : (pos + take) * 2]
        pos = 0
    return bytes(out)


def wav_bytes(seconds: float = 2.0, frequency: float = 440.0, rate: int = 16000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(_sine(0, int(seconds * rate), rate, frequency))
    return buf.getvalue()


def voice_file(kind: str = "webm", seconds: float = 2.0, name: str | None = None) -> SimpleUploadedFile:
    """An uploaded voice note as the browser would send it."""
    content_type, ext = ("audio/wav", "wav") if kind == "wav" else _FORMATS[kind][3:]
    return SimpleUploadedFile(name or f"voice.{ext}", tone_bytes(kind, seconds), content_type=content_type)
