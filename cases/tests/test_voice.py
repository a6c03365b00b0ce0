"""Voice notes are accepted only when they really decode as short audio; a case may be a voice note alone."""

import io
import struct
import wave

import pytest
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import voice
from cases.models import Attachment, Case
from tests.support.audio import tone_bytes, voice_file
from tests.support.data import jpeg, submit


def _upload(data: bytes, name="voice.webm", content_type="audio/webm"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [("webm", "audio/webm"), ("ogg", "audio/ogg"), ("mp4", "audio/mp4"), ("wav", "audio/wav")],
)
def test_it_accepts_real_recordings_in_every_browser_format(kind, content_type):
    note = voice.process_voice(voice_file(kind, seconds=1.5))
    assert note.content_type == content_type
    assert 1.4 < note.duration < 1.7


BAD_AUDIO = {
    "text renamed to .webm": (b"hello, I am not audio" * 50, "voice.webm"),
    "html": (b"<html><script>alert(1)</script></html>", "voice.ogg"),
    "a JPEG photo": (jpeg().read(), "voice.m4a"),
    "WebM magic and garbage": (b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 20, "voice.webm"),
    "Ogg magic and garbage": (b"OggS" + b"\x00" * 2000, "voice.ogg"),
    "MP4 box without audio": (
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 500,
        "voice.m4a",
    ),
    "RIFF that is not WAVE": (b"RIFF\x24\x00\x00\x00AVI LIST" + b"\x00" * 500, "voice.wav"),
    "a playlist pretending to be audio": (b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n", "voice.m3u8"),
    "truncated WebM": (tone_bytes("webm", 2.0)[:300], "voice.webm"),
}


@pytest.mark.parametrize("name", list(BAD_AUDIO))
def test_it_refuses_what_is_not_a_recording(name):
    data, filename = BAD_AUDIO[name]
    with pytest.raises(ValidationError) as exc:
        voice.process_voice(_upload(data, name=filename))
    assert "语音留言" in exc.value.messages[0]


def test_it_refuses_a_three_hour_recording_before_reading_it(tmp_path):
    # A real WAV header for three hours of 8 kHz speech; the rest of the 170 MB file is sparse.
    rate, seconds = 8000, 3 * 3600
    size = seconds * rate * 2
    path = tmp_path / "long.wav"
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 36 + size) + b"WAVE")
        f.write(b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16))
        f.write(b"data" + struct.pack("<I", size))
        f.truncate(44 + size)
    with open(path, "rb") as handle, pytest.raises(ValidationError) as exc:
        voice.process_voice(File(handle, name="long.wav"))
    assert "超过 5 MB" in exc.value.messages[0]


def test_it_refuses_a_three_minute_recording_by_its_length():
    with pytest.raises(ValidationError) as exc:
        voice.process_voice(_upload(tone_bytes("webm", 180)))
    assert "太长了:最长 2 分钟" in exc.value.messages[0]


def test_it_refuses_a_recording_longer_than_the_limit_by_decoding_it(settings):
    # WebM from Chromium's MediaRecorder has no duration header: the limit holds by decoding.
    settings.MINSHENG_MAX_VOICE_SECONDS = 1
    with pytest.raises(ValidationError) as exc:
        voice.process_voice(voice_file("ogg", seconds=2.5))
    assert "太长" in exc.value.messages[0]


def test_it_refuses_files_over_the_size_limit(settings):
    settings.MINSHENG_MAX_VOICE_BYTES = 10_000
    with pytest.raises(ValidationError) as exc:
        voice.process_voice(voice_file("wav", seconds=1.0))
    assert "超过" in exc.value.messages[0]


def test_it_refuses_an_empty_file_and_silence_too_short_to_hold_words():
    with pytest.raises(ValidationError, match="空"):
        voice.process_voice(_upload(b""))
    with pytest.raises(ValidationError, match="没有声音"):
        voice.process_voice(voice_file("wav", seconds=0.1))


def test_it_refuses_a_video():
    import av

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
    with pytest.raises(ValidationError):
        voice.process_voice(_upload(buf.getvalue()))


def test_wav_helper_makes_a_valid_file():
    with wave.open(io.BytesIO(tone_bytes("wav", 0.5))) as w:
        assert w.getframerate() == 16000 and w.getnframes() == 8000


# submit_case with a voice note


def test_a_case_can_be_a_voice_note_without_words(users):
    case = submit(description="", voice_file=voice_file("webm"))
    note = case.attachments.get(kind=Attachment.Kind.VOICE)
    assert case.description == "(语音留言,请收听录音)"
    assert note.content_type == "audio/webm" and note.size > 0 and note.transcript == ""
    assert note.file.name.startswith("cases/") and note.file.name.endswith(".webm")
    assert "voice" not in note.file.name  # a server-generated name, not the uploader's
    assert default_storage.exists(note.file.name)


def test_words_and_a_voice_note_are_both_kept(users):
    case = submit(description="楼道灯不亮", voice_file=voice_file("mp4"))
    assert case.description == "楼道灯不亮"
    assert case.attachments.filter(kind=Attachment.Kind.VOICE).count() == 1


def test_without_words_and_without_a_voice_note_the_description_is_required(users):
    with pytest.raises(ValidationError) as exc:
        submit(description="")
    assert "description" in exc.value.message_dict


def test_a_bad_voice_note_creates_nothing(users):
    with pytest.raises(ValidationError) as exc:
        submit(description="", voice_file=_upload(b"not audio at all" * 40))
    assert "voice" in exc.value.message_dict
    assert not Case.objects.exists() and not Attachment.objects.exists()


def _stored_files():
    import os

    root = default_storage.path("")
    return [f for _, _, files in os.walk(root) for f in files] if os.path.isdir(root) else []


def test_files_are_removed_when_the_submission_fails(users, monkeypatch):
    real_create = Attachment.objects.create

    def create(**fields):
        if fields["kind"] == Attachment.Kind.VOICE:
            raise RuntimeError("database went away")
        return real_create(**fields)

    monkeypatch.setattr(Attachment.objects, "create", create)
    with pytest.raises(RuntimeError):
        submit(description="", voice_file=voice_file("webm"), photo_files=[jpeg()])
    assert _stored_files() == []  # neither the photo nor the recording is left behind
    assert not Case.objects.exists()


def test_correcting_a_transcript_keeps_it_clean(users):
    case = submit(description="", voice_file=voice_file("webm"))
    note = case.attachments.get(kind=Attachment.Kind.VOICE)
    voice.correct_transcript(note, text="  三栋二单元楼道灯不亮  ")
    note.refresh_from_db()
    assert note.transcript == "三栋二单元楼道灯不亮"
    with pytest.raises(ValidationError):
        voice.correct_transcript(note, text="<b>x</b>")
    note.refresh_from_db()
    assert note.transcript == "三栋二单元楼道灯不亮"
