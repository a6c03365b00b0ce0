"""Voice notes: accept only audio that FFmpeg (through PyAV) really decodes, at most two minutes long.

A voice note is the offline fallback for residents who cannot type: the browser records it with
MediaRecorder (WebM/Opus in Chromium, MP4/AAC in Safari, Ogg/Opus in Firefox) or a phone uploads a
WAV. The container is recognised by its first bytes and opened with that demuxer only, so FFmpeg
never guesses a format (its playlist and concat demuxers can read other files). Every frame is
decoded: a renamed text file or a truncated stream is refused, and so is a file longer than the
limit, whatever its header says (Chromium's WebM has no duration header at all).

What is stored is not the upload itself but its audio packets copied into a fresh container of the
same kind (a remux, no re-encoding): tags (a title, an iPhone's recording place), cover pictures,
attachments and anything appended after the stream are left behind.
"""

import io
import logging
import uuid
from dataclasses import dataclass

import av
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Attachment, Case

logger = logging.getLogger(__name__)

MIN_SECONDS = 0.3

# demuxer → the muxer that writes the stored copy
_MUXERS = {"matroska": "webm", "ogg": "ogg", "mov": "mp4", "wav": "wav"}
# demuxer → (stored content type, file extension, accepted audio codecs)
_CONTAINERS = {
    "matroska": ("audio/webm", "webm", {"opus", "vorbis"}),
    "ogg": ("audio/ogg", "ogg", {"opus", "vorbis"}),
    "mov": ("audio/mp4", "m4a", {"aac", "opus"}),
    "wav": ("audio/wav", "wav", {"pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_u8"}),
}


@dataclass
class ProcessedVoice:
    """A validated voice note, ready to store."""

    original_name: str
    data: bytes
    content_type: str
    extension: str
    duration: float


def max_seconds() -> int:
    return getattr(settings, "MINSHENG_MAX_VOICE_SECONDS", 120)


def max_bytes() -> int:
    return getattr(settings, "MINSHENG_MAX_VOICE_BYTES", 5 * 1024 * 1024)


def _sniff(data: bytes) -> str | None:
    """The demuxer for these first bytes, or None for anything that is not an accepted container."""
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if data[:4] == b"OggS":
        return "ogg"
    if data[4:8] == b"ftyp":
        return "mov"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    return None


def _name(upload) -> str:
    return str(getattr(upload, "name", "") or _("语音留言"))[:80]


def _not_audio() -> str:
    return _("语音留言无法播放:只接受浏览器录制的语音或 WebM、Ogg、MP4(M4A)、WAV 格式的录音。")


def _too_long(limit: int) -> str:
    return _("语音留言太长了:最长 %(minutes)d 分钟。请说得简短一些,或者分成文字描述。") % {
        "minutes": limit // 60
    }


def _read(upload) -> bytes:
    limit = max_bytes()
    size = getattr(upload, "size", None)
    too_big = _("语音留言超过 %(mb)d MB,请录得短一些。") % {"mb": limit // (1024 * 1024)}
    if size is not None and size > limit:
        raise ValidationError(too_big)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(too_big)
    if not data:
        raise ValidationError(_("语音留言是空的,请重新录一次。"))
    return data


def decode_duration(data: bytes, demuxer: str) -> tuple[float, str]:
    """Decode every audio frame; return (seconds, codec name) or raise ValidationError."""
    limit = max_seconds()
    codecs = _CONTAINERS[demuxer][2]
    try:
        with av.open(io.BytesIO(data), mode="r", format=demuxer, metadata_errors="ignore") as container:
            if container.streams.video or len(container.streams.audio) != 1:
                raise ValidationError(_not_audio())
            stream = container.streams.audio[0]
            codec = stream.codec_context.name
            if codec not in codecs:
                raise ValidationError(_not_audio())
            declared = container.duration
            if declared is not None and declared / av.time_base > limit + 1:
                raise ValidationError(_too_long(limit))
            seconds = 0.0
            for frame in container.decode(stream):
                if frame.sample_rate:
                    seconds += frame.samples / frame.sample_rate
                if seconds > limit + 0.5:  # MediaRecorder stops a little after the button
                    raise ValidationError(_too_long(limit))
    except ValidationError:
        raise
    except (av.FFmpegError, ValueError, OSError, EOFError, IndexError, KeyError, TypeError) as exc:
        logger.info("voice note refused: %s", exc)
        raise ValidationError(_not_audio()) from exc
    if seconds < MIN_SECONDS:
        raise ValidationError(_("语音留言里没有声音,请按下“开始录音”后说话,再按“停止”。"))
    return seconds, codec


def remux(data: bytes, demuxer: str) -> bytes:
    """The audio stream's packets in a new container: no tags, no other streams, nothing appended."""
    out = io.BytesIO()
    try:
        with (
            av.open(io.BytesIO(data), mode="r", format=demuxer, metadata_errors="ignore") as source,
            av.open(out, mode="w", format=_MUXERS[demuxer]) as target,
        ):
            stream = source.streams.audio[0]
            copy = target.add_stream_from_template(stream)
            for packet in source.demux(stream):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.stream = copy
                target.mux(packet)
    except (av.FFmpegError, ValueError, OSError, EOFError, IndexError, KeyError, TypeError) as exc:
        logger.info("voice note refused when copying it: %s", exc)
        raise ValidationError(_not_audio()) from exc
    return out.getvalue()


def process_voice(upload) -> ProcessedVoice:
    """Validate one uploaded voice note by its content, or raise ValidationError."""
    data = _read(upload)
    demuxer = _sniff(data)
    if demuxer is None:
        raise ValidationError(_not_audio())
    seconds, _codec = decode_duration(data, demuxer)
    data = remux(data, demuxer)
    content_type, extension, _codecs = _CONTAINERS[demuxer]
    return ProcessedVoice(
        original_name=_name(upload),
        data=data,
        content_type=content_type,
        extension=extension,
        duration=round(seconds, 2),
    )


def store_voice(voice: ProcessedVoice, *, folder: str = "cases") -> str:
    """Save a voice note through the storage API under a server-generated name; return the name."""
    now = timezone.now()
    return default_storage.save(
        f"{folder}/{now:%Y/%m}/{uuid.uuid4().hex}.{voice.extension}", ContentFile(voice.data)
    )


def attach_voice(case: Case, voice: ProcessedVoice, *, now) -> list[str]:
    """Store a voice note as the case's attachment; return the stored names (for clean-up).

    Call inside the submission's transaction; the transcript is made after it commits.
    """
    name = store_voice(voice)
    try:
        attachment = Attachment.objects.create(
            case=case,
            kind=Attachment.Kind.VOICE,
            file=name,
            content_type=voice.content_type,
            size=len(voice.data),
            duration_seconds=voice.duration,
            created_at=now,
        )
    except Exception:
        delete_stored([name])
        raise
    from . import transcription

    if transcription.is_configured():
        pk = attachment.pk
        transaction.on_commit(lambda: transcription.transcribe_attachment(pk))
    return [name]


def correct_transcript(attachment: Attachment, *, text: str) -> Attachment:
    """Staff correct (or write) the transcript of a voice note."""
    from .validation import MAX_DESCRIPTION, clean_text

    if attachment.kind != Attachment.Kind.VOICE:
        raise ValidationError({"transcript": [_("只有语音留言可以填写转写文字。")]})
    try:
        text = clean_text(text, label=_("语音转写"), max_length=MAX_DESCRIPTION, required=False)
    except ValidationError as exc:
        raise ValidationError({"transcript": exc.messages}) from exc
    attachment.transcript = text
    attachment.save(update_fields=["transcript"])
    return attachment


def delete_stored(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            pass
