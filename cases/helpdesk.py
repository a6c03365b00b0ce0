"""Help desks (数字化代办岗): submitting for a resident, the desk's lists, follow-up calls (回访)
and finding a resident's cases by their phone number. Knows nothing of HTTP.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from security import counters

from . import deadlines, roles, security_log, services, workflow
from .access import PHONE_LOOKUP, record_view, visible_cases
from .errors import InvalidMove, NotAllowed, TooManyAttempts
from .models import (
    OPEN_STATES,
    Case,
    Category,
    Channel,
    Community,
    FollowUp,
    HelpDesk,
    PersonalDataAccess,
    Rating,
    Resolution,
    Score,
    State,
)
from .roles import Actor
from .selectors import plain_when
from .validation import MAX_COMMENT, clean_text, normalize_phone
from .workflow import Action


def desks_of(user) -> QuerySet[HelpDesk]:
    """The active desks a volunteer works at."""
    if user is None or not user.is_authenticated:
        return HelpDesk.objects.none()
    return user.help_desks.filter(is_active=True).select_related("community")


def poster_communities() -> QuerySet[Community]:
    """The communities a notice-board poster may be printed for: every active one."""
    return Community.objects.filter(is_active=True).order_by("sort", "name")


@dataclass(frozen=True)
class NoticeBoard:
    """One community's notice-board poster: the community and its open desks (for their hours)."""

    community: Community
    desks: list[HelpDesk]


def notice_boards(communities) -> list[NoticeBoard]:
    communities = list(communities)
    desks: dict[int, list[HelpDesk]] = {c.pk: [] for c in communities}
    for desk in HelpDesk.objects.filter(community__in=communities, is_active=True).order_by("name"):
        desks[desk.community_id].append(desk)
    return [NoticeBoard(c, desks[c.pk]) for c in communities]


def may_register(user) -> bool:
    """Volunteers (at a desk) and intake officers (phone calls, visits) register cases for residents."""
    return roles.has_role(user, roles.VOLUNTEER, roles.INTAKE)


def channels_for(user) -> list[str]:
    """The channels `user` may register a case through: a volunteer's desk, intake's phone and visits."""
    channels: list[str] = []
    if roles.has_role(user, roles.VOLUNTEER) and desks_of(user).exists():
        channels.append(Channel.HELP_DESK)
    if roles.has_role(user, roles.INTAKE):
        channels += [Channel.PHONE, Channel.WALK_IN]
    return channels


# ---------------------------------------------------------------------------------------------
# The desk's work: today's submissions, open cases, the follow-up list.


def _scope(user) -> Q:
    """The cases a desk worker follows: those of their desks, and those they registered themselves."""
    return Q(desk__in=desks_of(user).values("pk")) | Q(submitted_by=user)


def _base():
    return Case.objects.select_related("category", "community", "department", "desk")


def submitted_today(user, now: datetime | None = None) -> QuerySet[Case]:
    local_now = timezone.localtime(now or timezone.now())
    start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        _base()
        .filter(_scope(user), submitted_at__gte=start, submitted_at__lt=start + timedelta(days=1))
        .order_by("-submitted_at", "-id")
    )


def open_cases(user) -> QuerySet[Case]:
    """Cases still being worked on, oldest first: the ones residents will ask about."""
    return _base().filter(_scope(user), state__in=OPEN_STATES).order_by("submitted_at", "id")


def follow_up_list(user) -> QuerySet[Case]:
    """Completed cases not yet rated, oldest completion first. Each carries `completed_at`,
    `attempts` (calls made for this completion) and `reached_attempts`."""
    latest = Resolution.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-id")
    calls = (
        FollowUp.objects.filter(resolution_id=OuterRef("latest_resolution_id"))
        .order_by()
        .values("resolution_id")
    )
    return (
        _base()
        .filter(_scope(user), state=State.COMPLETED)
        .annotate(
            latest_resolution_id=Subquery(latest.values("pk")[:1]),
            completed_at=Subquery(latest.values("created_at")[:1]),
        )
        .annotate(
            attempts=Subquery(calls.annotate(n=Count("pk")).values("n")[:1]),
            last_call_at=Subquery(
                FollowUp.objects.filter(resolution_id=OuterRef("latest_resolution_id"))
                .order_by("-at", "-id")
                .values("at")[:1]
            ),
        )
        .order_by("completed_at", "id")
    )


@dataclass
class DeskWork:
    desks: list[HelpDesk]
    today: list[Case]
    open: list[Case]
    follow_up: list[Case]


def desk_work(user, *, limit: int = 100) -> DeskWork:
    """Everything the desk's home page shows."""
    return DeskWork(
        desks=list(desks_of(user)),
        today=list(submitted_today(user)[:limit]),
        open=list(open_cases(user)[:limit]),
        follow_up=list(follow_up_list(user)[:limit]),
    )


# ---------------------------------------------------------------------------------------------
# Finding a resident's cases, and the log of who saw them.


def log_view(user, case: Case, via: str) -> None:
    """Record that `user` opened `case`'s personal data (name, phone, address)."""
    record_view(user, case, via)


def cases_for_phone(user, phone: str) -> list[Case]:
    """All cases with this full phone number, newest first; each one shown is logged.

    A volunteer may then open these cases for a while (cases.access.PHONE_LOOKUP_GRANT): typing the
    resident's whole number is the proof that the resident asked them to.
    """
    if not roles.has_role(user, roles.VOLUNTEER, roles.INTAKE, roles.SUPERVISOR, roles.HANDLER):
        security_log.refused(user, "look up cases by phone", "phone lookup", "role may not look up by phone")
        raise NotAllowed(_("您没有权限按电话号码查询诉求。"))
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    _count_lookup(user)
    if roles.has_role(user, roles.VOLUNTEER, roles.INTAKE, roles.SUPERVISOR):
        qs = _base()
    else:
        qs = visible_cases(user)  # a handler: their department's cases only
    cases = list(qs.filter(phone=phone).order_by("-submitted_at", "-id"))
    now = timezone.now()
    PersonalDataAccess.objects.bulk_create(
        [PersonalDataAccess(user=user, case=case, at=now, via=PHONE_LOOKUP) for case in cases]
    )
    return cases


def _count_lookup(user) -> None:
    """Count a lookup by phone against the person's hourly limit, before it is answered.

    Intake and supervisors may open every case anyway; volunteers and handlers are limited, so that
    nobody can walk through phone numbers to collect residents' names and addresses."""
    if roles.has_role(user, roles.INTAKE, roles.SUPERVISOR):
        return
    limit = settings.MINSHENG_PHONE_LOOKUPS_PER_HOUR
    count, retry_after = counters.hit(f"phone-lookup:user:{user.pk}", 3600)
    if count <= limit:
        return
    if count == limit + 1:
        security_log.alert("phone lookup limit", target=security_log.actor(user), limit=f"{limit}/h")
    security_log.refused(user, "look up cases by phone", "phone lookup", "hourly limit reached")
    raise TooManyAttempts(
        _("您在一小时内按电话号码查询的次数过多,请%(minutes)d分钟后再试;如有急需,请联系受理员。")
        % {"minutes": max(1, (retry_after + 59) // 60)},
        limit="phone-lookup",
        retry_after=retry_after,
    )


def frequent_phone_lookups(now: datetime | None = None) -> list[dict]:
    """Who looked up more residents by phone in the last 24 hours than MINSHENG_PHONE_LOOKUP_ALERT:
    the warning at the top of the supervisor's access log. Each row: user, residents, lookups."""
    since = (now or timezone.now()) - timedelta(hours=24)
    rows = (
        PersonalDataAccess.objects.filter(via=PHONE_LOOKUP, at__gte=since)
        .values("user")
        .annotate(residents=Count("case__phone", distinct=True), cases=Count("pk"))
        .filter(residents__gt=settings.MINSHENG_PHONE_LOOKUP_ALERT)
        .order_by("-residents")
    )
    users = User.objects.in_bulk([row["user"] for row in rows])
    return [
        {"user": users[row["user"]], "residents": row["residents"], "cases": row["cases"]} for row in rows
    ]


# ---------------------------------------------------------------------------------------------
# Follow-up calls (回访).


def _latest_resolution(case: Case) -> Resolution | None:
    return case.resolutions.order_by("-created_at", "-id").first()


def _desk_for(case: Case, by: Actor) -> HelpDesk | None:
    desks = list(desks_of(by))
    if case.desk_id and any(d.pk == case.desk_id for d in desks):
        return case.desk
    return desks[0] if desks else None


def record_follow_up(
    case: Case,
    *,
    by: Actor,
    reached: bool,
    solved: bool | None = None,
    score: str = "",
    note: str = "",
) -> FollowUp:
    """Record a call to the resident after completion. With a score, the rating is recorded through
    services.rate exactly like one given online, marked as given by phone through `by`."""
    if not workflow.stage_allows(case, Action.FOLLOW_UP):
        latest = _latest_resolution(case)
        if latest is not None and Rating.objects.filter(resolution=latest).exists():
            raise InvalidMove(_("本次办理结果已经评价过了,不能重复评价。"))
    workflow.check_move(case, Action.FOLLOW_UP, by=by)
    errors: dict[str, list[str]] = {}
    try:
        note = clean_text(note, label=_("回访记录"), max_length=MAX_COMMENT, required=False)
    except ValidationError as exc:
        errors["note"] = exc.messages
    score = score or ""
    if score and score not in Score.values:
        errors["score"] = [_("请选择满意、基本满意或不满意。")]
    if not reached:
        if score:
            errors["score"] = [_("没有联系上居民,不能记录评价。")]
        solved = None
    if errors:
        raise ValidationError(errors)
    resolution = _latest_resolution(case)
    if resolution is None:
        raise InvalidMove(_("此诉求还没有办理结果,暂不能回访。"))
    attempt = FollowUp.objects.filter(resolution=resolution).count() + 1
    with services.stored_language():
        if not reached:
            summary = _("第%(n)d次回访:未联系上居民。") % {"n": attempt}
        elif solved is True:
            summary = _("第%(n)d次回访:已联系上居民,问题已解决。") % {"n": attempt}
        elif solved is False:
            summary = _("第%(n)d次回访:已联系上居民,问题没有解决。") % {"n": attempt}
        else:
            summary = _("第%(n)d次回访:已联系上居民。") % {"n": attempt}
    now = timezone.now()
    follow_ups: list[FollowUp] = []
    # A refused rating undoes the call's event too: the in-memory case goes back with it.
    with services._unchanged_on_failure(case), transaction.atomic():
        workflow.transition(
            case,
            Action.FOLLOW_UP,
            by=by,
            is_public=False,
            private_note=f"{summary}{note}",
            at=now,
            record=lambda event: follow_ups.append(
                FollowUp.objects.create(
                    case=case,
                    resolution=resolution,
                    desk=_desk_for(case, by),
                    by=workflow.account(by),
                    at=now,
                    reached=reached,
                    solved=solved,
                    note=note,
                )
            ),
        )
        follow_up = follow_ups[0]
        if score:
            rating = services.rate(case, score=score, comment=note, by=by, via=Rating.Via.FOLLOW_UP)
            assert isinstance(rating, Rating)  # staff record the move's rating, never a further one
            follow_up.rating = rating
            follow_up.save(update_fields=["rating"])
    return follow_up


# ---------------------------------------------------------------------------------------------
# The receipt's "what happens next".


def expected_contact(category: Category, submitted_at: datetime) -> datetime:
    """When someone should have called the resident at the latest: acceptance and dispatch limits."""
    hours = category.accept_limit_hours + category.dispatch_limit_hours
    return deadlines.add_limit(category, submitted_at, hours)


def next_step(case: Case, now: datetime | None = None) -> str:
    """The next step in plain words, from the category's time limits, for the printed receipt."""
    category = case.category
    contact = expected_contact(category, case.submitted_at)
    done = deadlines.add_limit(category, contact, category.time_limit_hours)
    return _("预计%(contact)s前有工作人员联系您;按规定,%(category)s类诉求最晚%(done)s前办好。") % {
        "contact": plain_when(contact, now),
        "category": category.name,
        "done": plain_when(done, now),
    }
