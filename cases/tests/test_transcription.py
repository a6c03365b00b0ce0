"""Pluggable transcription: "none" by default; a real offline engine when a model is configured."""

import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from cases import transcription
from cases.models import Attachment
from tests.support.audio import tone_bytes, voice_file
from tests.support.data import submit


@pytest.fixture(autouse=True)
def _fresh_engines():
    transcription._engine.cache_clear()
    yield
    transcription._engine.cache_clear()


def test_the_default_engine_writes_no_transcript(users, django_capture_on_commit_callbacks):
    assert not transcription.is_configured()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case = submit(description="", voice_file=voice_file("webm"))
    assert callbacks == []
    assert case.attachments.get(kind=Attachment.Kind.VOICE).transcript == ""


class _Parrot:
    name = "parrot"

    def __init__(self, model_dir):
        self.model_dir = model_dir

    def transcribe(self, data: bytes) -> str:
        return "三栋 二单元 楼道灯 不亮" if data else ""


def test_a_configured_engine_transcribes_after_the_case_is_saved(
    users, settings, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(transcription.ENGINES, "parrot", _Parrot)
    settings.MINSHENG_TRANSCRIPTION_ENGINE = "parrot"
    settings.MINSHENG_TRANSCRIPTION_MODEL_DIR = "/models/parrot"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case = submit(description="", voice_file=voice_file("webm"))
    assert len(callbacks) == 1
    note = case.attachments.get(kind=Attachment.Kind.VOICE)
    assert note.transcript == "三栋 二单元 楼道灯 不亮"


def test_a_failing_engine_loses_nothing(users, settings, monkeypatch):
    class Broken(_Parrot):
        def transcribe(self, data):
            raise RuntimeError("model crashed")

    monkeypatch.setitem(transcription.ENGINES, "broken", Broken)
    settings.MINSHENG_TRANSCRIPTION_ENGINE = "broken"
    case = submit(description="", voice_file=voice_file("webm"))
    note = case.attachments.get(kind=Attachment.Kind.VOICE)
    assert transcription.transcribe_attachment(note.pk) == ""
    note.refresh_from_db()
    assert note.transcript == "" and case.pk


def test_a_staff_correction_is_never_overwritten(users, settings, monkeypatch):
    monkeypatch.setitem(transcription.ENGINES, "parrot", _Parrot)
    settings.MINSHENG_TRANSCRIPTION_ENGINE = "parrot"
    case = submit(description="", voice_file=voice_file("webm"))
    note = case.attachments.get(kind=Attachment.Kind.VOICE)
    Attachment.objects.filter(pk=note.pk).update(transcript="工作人员写的")
    transcription.transcribe_attachment(note.pk)
    note.refresh_from_db()
    assert note.transcript == "工作人员写的"


def test_an_unknown_engine_or_a_missing_model_is_a_configuration_error(settings):
    settings.MINSHENG_TRANSCRIPTION_ENGINE = "whisper-cloud"
    with pytest.raises(ImproperlyConfigured):
        transcription.get_engine()
    transcription._engine.cache_clear()
    settings.MINSHENG_TRANSCRIPTION_ENGINE = "vosk"
    settings.MINSHENG_TRANSCRIPTION_MODEL_DIR = "/nonexistent/model"
    with pytest.raises(ImproperlyConfigured):
        transcription.get_engine()


def test_audio_is_resampled_to_16k_mono_pcm_for_the_recogniser():
    pcm = b"".join(transcription.pcm16_mono(tone_bytes("webm", 1.0)))
    assert abs(len(pcm) - 16000 * 2) < 16000 * 2 * 0.05


MODEL_DIR = os.environ.get("TRANSCRIPTION_MODEL_DIR", "")


@pytest.mark.skipif(
    not MODEL_DIR or not os.path.isdir(MODEL_DIR), reason="no Vosk model configured (TRANSCRIPTION_MODEL_DIR)"
)
def test_vosk_transcribes_a_short_recording_the_test_makes_itself():
    pytest.importorskip("vosk")
    engine = transcription.VoskEngine(MODEL_DIR)
    # A tone has no words: the engine must run to the end and return text (empty here), not fail.
    assert engine.transcribe(tone_bytes("wav", 1.5)) == ""
    assert isinstance(engine.transcribe(tone_bytes("webm", 1.5)), str)
