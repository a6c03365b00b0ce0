"""Server-side transcription of voice notes: a small plug-in chosen by configuration.

Engines:
- "none" (the default): no transcript; staff listen to the recording.
- "vosk": offline recognition with Vosk (`pip install vosk`) and a model directory unpacked by the
  operator (e.g. vosk-model-small-cn-0.22) named in TRANSCRIPTION_MODEL_DIR. Nothing is downloaded
  at run time and no model is kept in the repository.

A transcript is only a help for staff, who can correct it: a failing engine never loses a case.
"""

import functools
import io
import json
import logging
import re
from pathlib import Path
from typing import Protocol

import av
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage

from .models import Attachment

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16000
# Vosk's Chinese models put spaces between words; Chinese is written without them.
_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


class Engine(Protocol):
    name: str

    def transcribe(self, data: bytes) -> str:
        """The text spoken in an already validated voice note (any accepted container)."""


class NoEngine:
    name = "none"

    def transcribe(self, data: bytes) -> str:
        return ""


def pcm16_mono(data: bytes, rate: int = SAMPLE_RATE):
    """Yield the recording as 16-bit mono PCM chunks at `rate` Hz (what offline recognisers take)."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
    with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                yield bytes(out.planes[0])[: out.samples * 2]
        for out in resampler.resample(None):
            yield bytes(out.planes[0])[: out.samples * 2]


class VoskEngine:
    name = "vosk"

    def __init__(self, model_dir: str):
        try:
            import vosk
        except ImportError as exc:
            raise ImproperlyConfigured("TRANSCRIPTION_ENGINE=vosk needs the vosk package.") from exc
        if not model_dir or not Path(model_dir).is_dir():
            raise ImproperlyConfigured(f"TRANSCRIPTION_MODEL_DIR {model_dir!r} is not a directory.")
        vosk.SetLogLevel(-1)
        self._vosk = vosk
        self._model = vosk.Model(str(model_dir))

    def transcribe(self, data: bytes) -> str:
        recognizer = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        parts = []
        for chunk in pcm16_mono(data):
            if recognizer.AcceptWaveform(chunk):
                parts.append(json.loads(recognizer.Result()).get("text", ""))
        parts.append(json.loads(recognizer.FinalResult()).get("text", ""))
        text = " ".join(p.strip() for p in parts if p.strip())
        return _CJK_SPACE.sub("", text)


ENGINES = {"none": NoEngine, "vosk": VoskEngine}


def engine_name() -> str:
    return getattr(settings, "MINSHENG_TRANSCRIPTION_ENGINE", "none") or "none"


def is_configured() -> bool:
    return engine_name() != "none"


@functools.cache
def _engine(name: str, model_dir: str) -> Engine:
    if name not in ENGINES:
        raise ImproperlyConfigured(f"Unknown TRANSCRIPTION_ENGINE {name!r}: choose one of {sorted(ENGINES)}.")
    if name == "none":
        return NoEngine()
    return ENGINES[name](model_dir)


def get_engine() -> Engine:
    """The configured engine, loaded once per process (models are large)."""
    return _engine(engine_name(), str(getattr(settings, "MINSHENG_TRANSCRIPTION_MODEL_DIR", "") or ""))


def transcribe_attachment(pk: int) -> str:
    """Write a transcript for a voice note that has none; return it ("" when nothing came out)."""
    attachment = Attachment.objects.filter(pk=pk, kind=Attachment.Kind.VOICE).first()
    if attachment is None or attachment.transcript or not attachment.file.name:
        return attachment.transcript if attachment else ""
    try:
        with default_storage.open(attachment.file.name, "rb") as handle:
            text = get_engine().transcribe(handle.read()).strip()
    except Exception:
        # A transcript is a convenience: the case and its recording are already safe.
        logger.exception("transcription of voice note %s failed", pk)
        return ""
    if text:
        # Only fill an empty transcript: staff may have typed one meanwhile.
        Attachment.objects.filter(pk=pk, transcript="").update(transcript=text[:4000])
    return text
