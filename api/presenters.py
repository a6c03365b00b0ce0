"""Turn domain objects into the plain data the API and Open311 publish; nothing personal by default."""

from django.conf import settings
from django.utils import timezone

from cases.models import Attachment, Case, CaseEvent, Priority, RequestType, State
from cases.selectors import Progress, stage_labels, stage_of
from cases.workflow import Action


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def case_url(case: Case) -> str:
    """The public progress page (served by the web app)."""
    return absolute(f"/cases/{case.number}")


def photo_urls(photo: Attachment) -> dict:
    # Served by the web app, which checks that the photo is public (before/after) before sending it.
    return {
        "id": photo.pk,
        "full": absolute(f"/media/attachments/{photo.pk}/full"),
        "thumb": absolute(f"/media/attachments/{photo.pk}/thumb"),
    }


def local(dt):
    return timezone.localtime(dt) if dt is not None else None


def code_name(obj) -> dict | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def stage_label(key: str) -> str:
    return dict(stage_labels())[key]


def action_label(action: str) -> str:
    try:
        return str(Action(action).label)
    except ValueError:
        return action


def kind_data(case: Case) -> dict:
    """诉求性质 and 紧急程度, on every case the API returns."""
    return {
        "type": case.request_type,
        "type_label": str(RequestType(case.request_type).label),
        "priority": case.priority,
        "priority_label": str(Priority(case.priority).label),
    }


def event_data(event: CaseEvent) -> dict:
    """One public timeline row. The private note never leaves the server."""
    return {
        "action": event.action,
        "label": action_label(event.action),
        "state": event.to_state,
        "at": local(event.at),
        "actor": event.actor_name,
        "note": event.public_note,
        "department": code_name(event.department) if event.department_id else None,
        "appointment_at": local(event.appointment_at),
    }


def progress_data(progress: Progress) -> dict:
    case = progress.case
    resolution = None
    if progress.resolution is not None:
        resolution = {
            "explanation": progress.resolution.explanation,
            "at": local(progress.resolution.created_at),
            "before": [photo_urls(p) for p in progress.before_photos],
            "after": [photo_urls(p) for p in progress.after_photos],
        }
    return {
        "number": case.number,
        "url": case_url(case),
        "category": code_name(case.category),
        "community": code_name(case.community),
        "department": code_name(case.department) if case.department_id else None,
        "stage": progress.stage,
        "stage_label": stage_label(progress.stage),
        "state": case.state,
        "state_label": str(State(case.state).label),
        **kind_data(case),
        "submitted_at": local(case.submitted_at),
        "updated_at": local(case.updated_at),
        "due_at": local(case.due_at),
        "appointment_at": local(case.appointment_at),
        "rejected_reason": progress.rejected_reason,
        "answer": progress.answer,
        "resident": progress.masked_name,
        "can_rate": progress.can_rate,
        # 并单: the number of the case this one is handled with, and nothing else of it.
        "merged_into": progress.parent.case.number if progress.parent is not None else None,
        "info_question": progress.info_request.question if progress.info_request is not None else None,
        "stages": [
            {
                "key": s.key,
                "label": s.label,
                "reached": s.reached,
                "current": s.current,
                "at": local(s.at),
                "actor": s.actor,
                "note": s.note,
            }
            for s in progress.stages
        ],
        "events": [event_data(e) for e in progress.events],
        "resolution": resolution,
        "co_departments": progress.co_departments,
    }


def submitted_data(case: Case) -> dict:
    return {
        "number": case.number,
        "stage": stage_of(case),
        "state": case.state,
        "url": case_url(case),
        "submitted_at": local(case.submitted_at),
        "due_at": local(case.due_at),
        "category": code_name(case.category),
        "community": code_name(case.community),
        **kind_data(case),
    }


def queue_item(case: Case) -> dict:
    """A row of a staff queue: personal data, for staff who may open the case."""
    return {
        "number": case.number,
        "url": case_url(case),
        "state": case.state,
        "state_label": str(State(case.state).label),
        "stage": stage_of(case),
        **kind_data(case),
        "category": code_name(case.category),
        "community": code_name(case.community),
        "department": code_name(case.department) if case.department_id else None,
        "address": case.address,
        "description": case.description,
        "name": case.name,
        "phone": case.phone,
        "submitted_at": local(case.submitted_at),
        "due_at": local(case.due_at),
        "appointment_at": local(case.appointment_at),
    }
