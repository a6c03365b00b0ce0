"""Voice notes on staff pages: play a recording and correct its transcript.

A voice note is personal data (a voice, often a name and an address): only staff who may open
the case hear it; for everyone else it does not exist.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import access
from cases import voice as voice_notes
from cases.models import Attachment

from .views import media_response, staff_required


def _voice_for_staff(request, pk) -> Attachment:
    note = get_object_or_404(Attachment.objects.select_related("case"), pk=pk, kind=Attachment.Kind.VOICE)
    if not access.can_see_personal_data(request.user, note.case):
        raise Http404
    return note


@staff_required
@require_GET
def voice_note(request, pk):
    note = _voice_for_staff(request, pk)
    access.record_view(request.user, note.case, "voice_note")
    try:
        handle = default_storage.open(note.file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    extension = note.file.name.rsplit(".", 1)[-1]
    return media_response(
        handle, content_type=note.content_type, filename=f"{note.case.number}-{note.pk}.{extension}"
    )


@staff_required
@require_POST
def transcript(request, pk):
    note = _voice_for_staff(request, pk)
    try:
        voice_notes.correct_transcript(note, text=request.POST.get("transcript", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("语音转写已保存。"))
    return redirect("web:staff_case", number=note.case.number)
