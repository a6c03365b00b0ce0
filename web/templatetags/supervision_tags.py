"""The supervision panel on the staff case page: deadline, extension requests, escalation."""

from django import template
from django.utils import timezone

from cases import deadlines, roles, workflow
from cases.workflow import Action

register = template.Library()


@register.inclusion_tag("web/supervision/_case_panel.html", takes_context=True)
def supervision_panel(context, case):
    from web.supervision import EscalateForm, ExtensionRequestForm

    user = context["request"].user
    extensions = list(case.extensions.select_related("requested_by", "decided_by"))
    pending = any(e.status == "pending" for e in extensions)
    may_request = workflow.can(user, Action.ASK_EXTENSION, case) and not pending
    may_escalate = workflow.can(user, Action.ESCALATE, case)
    return {
        "case": case,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "due_status": deadlines.due_status(case, timezone.now()),
        "extensions": extensions,
        "extension_form": (context.get("extension_form") or ExtensionRequestForm(prefix="extension"))
        if may_request
        else None,
        "escalate_form": (context.get("escalate_form") or EscalateForm(prefix="escalate"))
        if may_escalate
        else None,
    }


@register.simple_tag(takes_context=True)
def due_flag(context, case, now=None):
    """'overdue', 'due_soon', 'on_time' or '' for a case row; one calendar per page render."""
    calendar = context.render_context.get("work_calendar")
    if calendar is None:
        calendar = context.render_context["work_calendar"] = deadlines.WorkCalendar()
    return deadlines.due_status(case, now or timezone.now(), calendar)


@register.filter
def overdue(case, now=None) -> bool:
    """`{% if case|overdue:now %}`: cases.deadlines.is_overdue, for a page that shows only that."""
    return deadlines.is_overdue(case, now)


@register.simple_tag
def is_supervisor(user) -> bool:
    return roles.has_role(user, roles.SUPERVISOR)
