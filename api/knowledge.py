"""知识库 over the JSON API (issue 24): searching the base, the reply templates a form may offer,
and answering a question from an entry. Mounted on the API by api.rest (mount()); the domain is
knowledge.selectors and knowledge.services.

GET /knowledge is public: without a token it is counted against the lookup rate limit and lists
published entries only; with a staff token it is not throttled, and intake and supervisors (who
keep the base) also see drafts. Templates are for staff; the answer move for intake and a desk's
volunteers, like the pages.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Schema
from ninja.errors import AuthenticationError
from pydantic import Field

from cases import access, roles, security_log, selectors
from cases.errors import NotAllowed
from cases.models import Category
from knowledge import replies, search, services
from knowledge import selectors as knowledge
from knowledge.models import Entry, ReplyTemplate
from security import responses as refusals
from security.ratelimit import limit

from . import presenters
from .auth import TokenAuth
from .schemas import CodeName, ErrorOut, MoveOut, Strict

token_auth = TokenAuth()
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_RESULTS = 20


class EntryOut(Schema):
    id: int
    question: str
    answer: str = Field(description="the answer in plain words")
    aliases: list[str] = Field(description="other ways of asking and keywords")
    category: CodeName | None
    source: str = Field(description="依据或来源, e.g. 《某某办法》 / 街道民政科")
    status: str = Field(description="published; draft (only intake and supervisors see drafts)")
    review_by: date
    needs_review: bool = Field(description="past its review date")
    updated_at: datetime
    url: str = Field(description="the public entry page (a draft has none to show)")
    score: float | None = Field(description="how well it matches q (0–1), best first; null without q")


class KnowledgeQuery(Schema):
    q: str = Field(
        "", max_length=search.MAX_QUERY, description="the question in anyone's words, e.g. 老人补贴"
    )
    category: str = Field("", max_length=32, description="诉求类型代码, see GET /categories")


class TemplateOut(Schema):
    id: int
    name: str
    action: str = Field(description="complete / reject / return / dispute / sms")
    category: CodeName | None = Field(description="null: for every category")
    text: str = Field(description="with placeholders {number} {department} {appointment} {community}")
    filled: str | None = Field(description="the text filled from `case`, when one was given")


class TemplateQuery(Schema):
    action: str = Field(
        "", max_length=16, description="complete / reject / return / dispute / sms; empty: all"
    )
    category: str = Field("", max_length=32, description="诉求类型代码: its templates and the general ones")
    case: str = Field("", max_length=32, description="诉求编号: fill the placeholders from this case")


class AnswerIn(Strict):
    entry: int = Field(description="id of a published knowledge-base entry (GET /knowledge)")
    text: str | None = Field(None, description="the answer as sent; without it, the entry's answer")


def _caller(request):
    """The staff user of the bearer token, or None without an Authorization header (a bad token is
    a 401, never silently anonymous)."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, token = header.partition(" ")
    user = token_auth.authenticate(request, token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise AuthenticationError()
    return user


def _category(code: str) -> Category | None:
    category = selectors.active_by_code(Category, code)
    if category is None and code:
        raise ValidationError({"category": [_("没有代码为“%(code)s”的诉求类型。") % {"code": code[:32]}]})
    return category


def _entry(entry: Entry) -> dict:
    return {
        "id": entry.pk,
        "question": entry.question,
        "answer": entry.answer,
        "aliases": entry.alias_list(),
        "category": presenters.code_name(entry.category) if entry.category_id else None,
        "source": entry.source,
        "status": entry.status,
        "review_by": entry.review_by,
        "needs_review": entry.needs_review(),
        "updated_at": presenters.local(entry.updated_at),
        "url": presenters.absolute(f"/knowledge/{entry.pk}") if entry.is_published else "",
        "score": getattr(entry, "score", None),
    }


@limit("lookup", respond=refusals.json, exempt=lambda request: "Authorization" in request.headers)
def search_knowledge(request, filters: Query[KnowledgeQuery]):
    """Published entries for anyone (the public lookup rate limit without a token); intake and
    supervisors also see drafts. Best match first for `q`, at most 20."""
    user = _caller(request)
    entries = knowledge.find(user, filters.q, category=_category(filters.category), limit=MAX_RESULTS)
    return [_entry(e) for e in entries]


def list_templates(request, filters: Query[TemplateQuery]):
    """The active reply templates for a move and a category (its own first, then the general ones);
    with `case`, each text filled from that case (which the caller must be able to open)."""
    if not roles.has_role(request.auth, *roles.STAFF, roles.VOLUNTEER):
        security_log.refused(request.auth, "list reply templates", "templates", "role may not see templates")
        raise NotAllowed(_("只有工作人员可以查看答复模板。"))
    case = access.case_for_staff(request.auth, filters.case) if filters.case else None
    category = _category(filters.category) if filters.category else (case.category if case else None)
    if filters.action and filters.action not in ReplyTemplate.Use.values:
        raise ValidationError(
            {"action": [_("action 只能是:%(values)s。") % {"values": "、".join(ReplyTemplate.Use.values)}]}
        )
    uses = [filters.action] if filters.action else list(ReplyTemplate.Use.values)
    rows = []
    for use in uses:
        for template in knowledge.templates_for(use, category):
            rows.append(
                {
                    "id": template.pk,
                    "name": template.name,
                    "action": template.use,
                    "category": presenters.code_name(template.category) if template.category_id else None,
                    "text": template.text,
                    "filled": replies.fill(template.text, case) if case is not None else None,
                }
            )
    return rows


def answer_case(request, number: str, payload: AnswerIn):
    """答复 (intake; a volunteer for their desk's cases): a question answered from a published
    entry and closed, no dispatch; the resident gets the answer by SMS."""
    case = access.case_for_staff(request.auth, number)
    event = services.answer_case(case, by=request.auth, entry=payload.entry, text=payload.text)
    data = presenters.progress_data(selectors.public_progress(case))
    data["event"] = presenters.event_data(event)
    return data


def mount(api) -> None:
    """Add the knowledge-base operations to `api`."""
    api.get(
        "/knowledge",
        response={200: list[EntryOut], 400: ErrorOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
        tags=["knowledge"],
        summary="Search the knowledge base (知识库): published entries for anyone; staff see drafts",
    )(search_knowledge)
    api.get(
        "/templates",
        response={200: list[TemplateOut], **ERRORS},
        auth=token_auth,
        tags=["staff"],
        summary="Reply templates (答复模板) for a move and a category",
    )(list_templates)
    api.post(
        "/cases/{number}/answer",
        response={200: MoveOut, **ERRORS},
        auth=token_auth,
        tags=["staff"],
        summary="答复 answer a question from the knowledge base and close it",
    )(answer_case)
