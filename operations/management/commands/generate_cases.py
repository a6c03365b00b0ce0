"""A realistic synthetic population of cases, for the dashboard and the benchmark.

    manage.py generate_cases --cases 100000 [--days 365] [--seed 1]

Cases arrive over the last `--days` days, mostly in the daytime, through the five channels, with
residents' age bands, help desks and volunteers when the database has them, and go through the real
stages with believable times: accepted or rejected, dispatched (sometimes to the wrong department,
which returns it), handled, completed with a resolution report, rated online or on a follow-up
call (不满意 reopens the case, which is completed and rated again) or closed unrated after the
rating window. Cases submitted recently are still open. Rows are written in bulk (COPY on
PostgreSQL), 5,000 cases per transaction (no photo files); numbers continue each day's DailyCounter.
Listeners of cases.hooks.on_bulk_insert (the dashboard's aggregates) get each batch from memory in
the same transaction, so no second pass over the database is needed.
"""

import math
import random
import time
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from cases import hooks, numbering, roles
from cases.bulk import insert_rows
from cases.models import (
    AgeBand,
    Case,
    CaseEvent,
    Category,
    Channel,
    Community,
    DailyCounter,
    Department,
    HelpDesk,
    Rating,
    Resolution,
    Score,
    State,
)
from cases.workflow import Action
from operations.demo import load_reference_data

BATCH = 5000
CASE_FIELDS = [
    "id",
    "number",
    "state",
    "version",
    "channel",
    "category_id",
    "community_id",
    "address",
    "description",
    "name",
    "phone",
    "email",
    "age_band",
    "department_id",
    "appointment_at",
    "due_at",
    "submitted_by_id",
    "desk_id",
    "sms_opt_out",
    "lat",
    "long",
    "submitted_at",
    "updated_at",
]
EVENT_FIELDS = [
    "id",
    "case_id",
    "action",
    "from_state",
    "to_state",
    "at",
    "actor_id",
    "actor_name",
    "department_id",
    "appointment_at",
    "public_note",
    "private_note",
    "is_public",
]
RESOLUTION_FIELDS = ["id", "case_id", "event_id", "explanation", "created_at"]
RATING_FIELDS = ["id", "case_id", "resolution_id", "score", "comment", "via", "recorded_by_id", "at"]
# Share of cases per channel, and of 60+ / under-60 / unknown age within each channel.
CHANNELS = [
    (Channel.ONLINE, 0.59),
    (Channel.HELP_DESK, 0.2),
    (Channel.PHONE, 0.11),
    (Channel.WALK_IN, 0.07),
    (Channel.SMS, 0.03),
]
AGES = {
    Channel.ONLINE: [(AgeBand.AGE_60_PLUS, 0.1), (AgeBand.UNDER_60, 0.7), (AgeBand.UNKNOWN, 0.2)],
    Channel.HELP_DESK: [(AgeBand.AGE_60_PLUS, 0.8), (AgeBand.UNDER_60, 0.2)],
    Channel.PHONE: [(AgeBand.AGE_60_PLUS, 0.45), (AgeBand.UNDER_60, 0.45), (AgeBand.UNKNOWN, 0.1)],
    Channel.WALK_IN: [(AgeBand.AGE_60_PLUS, 0.55), (AgeBand.UNDER_60, 0.4), (AgeBand.UNKNOWN, 0.05)],
    # Texted from feature phones (老年机), located by intake before dispatch.
    Channel.SMS: [(AgeBand.AGE_60_PLUS, 0.6), (AgeBand.UNDER_60, 0.2), (AgeBand.UNKNOWN, 0.2)],
}
# Which department usually takes a category (by code); others go to the first department.
DEPARTMENT_OF = {
    "infrastructure": "property",
    "property": "property",
    "sanitation": "sanitation",
    "municipal": "municipal",
    "noise": "urban",
    "utilities": "utilities",
    "other": "urban",
}
# Cases per hour of the local day (relative).
HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 8, 10, 12, 12, 11, 10, 8, 7, 5, 4, 2, 1]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
GIVEN = [
    "桂兰",
    "建国",
    "淑芬",
    "德明",
    "红梅",
    "晓燕",
    "大勇",
    "秀英",
    "志强",
    "丽华",
    "海燕",
    "国庆",
    "玉兰",
]
DESCRIPTIONS = {
    "infrastructure": ["楼道灯不亮,晚上上下楼看不见。", "卫生间水龙头漏水。", "单元门门禁坏了。"],
    "sanitation": ["垃圾桶满了几天没人清理,有异味。", "楼下有卫生死角,蚊虫多。"],
    "property": ["小区停车位被长期占用。", "电梯经常停运,物业不处理。"],
    "municipal": ["路口井盖松动,车过有响声。", "路灯不亮,夜里走路不安全。"],
    "noise": ["楼下商铺夜间噪音很大。", "工地晚上十点后还在施工。"],
    "utilities": ["小区停水一天了,没有通知。", "燃气表走得异常快。"],
}
EXPLANATIONS = ["已更换损坏部件,经测试正常。", "已安排人员清理完毕。", "已与物业协调,问题已处理。"]
REJECT_REASONS = ["不属于街道受理范围,建议向相关部门反映。", "重复提交,已合并办理。"]
RETURN_REASONS = ["不属于本部门职责,请重新派单。"]
COMMENTS = ["处理太慢了。", "问题没有解决。", "态度不好。", ""]


def _pick(rng, weighted):
    r = rng.random()
    for value, weight in weighted:
        r -= weight
        if r < 0:
            return value
    return weighted[-1][0]


def _lognormal(rng, median_minutes: float, sigma: float = 1.0) -> timedelta:
    return timedelta(minutes=median_minutes * math.exp(rng.gauss(0, sigma)))


class Command(BaseCommand):
    help = "Generate a realistic synthetic population of cases (bulk, no photos), with their statistics."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True, help="how many cases to create")
        parser.add_argument("--days", type=int, default=365, help="spread over the last N days")
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same cases)")

    def handle(self, *args, cases: int, days: int, seed: int, **options):
        if cases < 1 or days < 1:
            raise CommandError("--cases and --days must be at least 1.")
        if not Category.objects.exists():
            load_reference_data()
        started = time.monotonic()
        self.names: dict[int, str] = {}
        self.rng = random.Random(seed)  # noqa: S311 (synthetic data, reproducible by seed)
        self._reference()
        now = timezone.now()
        self.now = now
        self.window = timedelta(days=settings.MINSHENG_RATING_WINDOW_DAYS)
        times = self._submission_times(cases, days, now)
        ids = {
            model: (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1
            for model in (Case, CaseEvent, Resolution, Rating)
        }
        self.next_id = ids
        counters = dict(
            DailyCounter.objects.filter(day__gte=timezone.localdate(times[0])).values_list("day", "last")
        )
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                # Indexes of a million cases do not fit SQLite's default 2 MB page cache.
                cursor.execute("PRAGMA cache_size = -262144")
        made = 0
        for start in range(0, len(times), BATCH):
            with transaction.atomic():
                self._batch(times[start : start + BATCH], counters)
            made += len(times[start : start + BATCH])
            if made % (BATCH * 20) == 0 or made == len(times):
                self.stdout.write(f"  {made} cases ({time.monotonic() - started:.0f} s)")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(
                    no_style(), [Case, CaseEvent, Resolution, Rating]
                ):
                    cursor.execute(sql)
                # Fresh planner statistics: until autovacuum gets to a table loaded in bulk, the
                # planner guesses its size and may scan where an index would do (4× slower lists).
                cursor.execute("ANALYZE")
        self.stdout.write(f"Generated {cases} cases in {time.monotonic() - started:.1f} s.")

    def _reference(self):
        self.categories = list(Category.objects.filter(is_active=True))
        self.communities = list(Community.objects.filter(is_active=True))
        departments = {d.code: d for d in Department.objects.filter(is_active=True, community__isnull=True)}
        if not (self.categories and self.communities and departments):
            raise CommandError("Needs at least one active category, community and department.")
        fallback = next(iter(departments.values()))
        self.department_of = {
            c.pk: departments.get(DEPARTMENT_OF.get(c.code, ""), fallback) for c in self.categories
        }
        self.departments = list(departments.values())
        self.category_weights = list(zip(self.categories, self._weights(len(self.categories)), strict=True))
        self.intake = list(User.objects.filter(groups__name=roles.INTAKE))
        self.handlers = defaultdict(list)
        for user in User.objects.filter(groups__name=roles.HANDLER).select_related("staff_profile"):
            profile = getattr(user, "staff_profile", None)
            if profile and profile.department_id:
                self.handlers[profile.department_id].append(user)
        self.desks = defaultdict(list)  # community id -> [(desk, [volunteers])]
        for desk in HelpDesk.objects.filter(is_active=True).prefetch_related("volunteers"):
            self.desks[desk.community_id].append((desk, list(desk.volunteers.all())))

    def _weights(self, n: int) -> list[float]:
        raw = [1 / (i + 1.5) for i in range(n)]
        return [w / sum(raw) for w in raw]

    def _submission_times(self, n: int, days: int, now):
        """n moments over the last `days` days, weighted to daytime, in order."""
        tz = timezone.get_default_timezone()
        today = timezone.localtime(now, tz).replace(hour=0, minute=0, second=0, microsecond=0)
        first = today - timedelta(days=days - 1)
        hour_total = sum(HOURS)
        hours = [(h, w / hour_total) for h, w in enumerate(HOURS)]
        times = []
        for _ in range(n):
            day = self.rng.randrange(days)
            at = first + timedelta(days=day, hours=_pick(self.rng, hours), seconds=self.rng.randrange(3600))
            if at > now:
                at = now - timedelta(seconds=self.rng.randrange(1, 3600))
            times.append(at)
        times.sort()
        return times

    def _new_id(self, model) -> int:
        pk = self.next_id[model]
        self.next_id[model] = pk + 1
        return pk

    def _batch(self, times, counters):
        cases, events, resolutions, ratings = [], [], [], []
        touched = set()
        for at in times:
            day = timezone.localdate(at, timezone.get_default_timezone())
            seq = counters.get(day, 0) + 1
            counters[day] = seq
            touched.add(day)
            self._one(numbering.format_number(day, seq), at, cases, events, resolutions, ratings)
        insert_rows(Case, CASE_FIELDS, cases)
        insert_rows(CaseEvent, EVENT_FIELDS, events)
        insert_rows(
            Resolution,
            RESOLUTION_FIELDS,
            [(r["id"], r["case_id"], r["event_id"], r["explanation"], r["created_at"]) for r in resolutions],
        )
        insert_rows(Rating, RATING_FIELDS, [tuple(r[f] for f in RATING_FIELDS) for r in ratings])
        case_events, case_ratings = defaultdict(list), defaultdict(list)
        for row in events:  # EVENT_FIELDS: id, case_id, action, from, to, at, …
            case_events[row[1]].append((row[2], row[5], row[0]))
        for r in ratings:
            case_ratings[r["case_id"]].append((r["score"], r["at"], r["id"]))
        hooks.emit_bulk_insert(
            [dict(zip(CASE_FIELDS, row, strict=True)) for row in cases], case_events, case_ratings
        )
        DailyCounter.objects.bulk_create(
            [DailyCounter(day=day, last=counters[day]) for day in sorted(touched)],
            update_conflicts=True,
            unique_fields=["day"],
            update_fields=["last"],
        )

    def _one(self, number, submitted_at, cases, events, resolutions, ratings):
        rng = self.rng
        channel = _pick(rng, CHANNELS)
        age = _pick(rng, AGES[channel])
        category = _pick(rng, self.category_weights)
        community = rng.choice(self.communities)
        desk, submitted_by = None, None
        if channel == Channel.HELP_DESK and self.desks.get(community.pk):
            desk, volunteers = rng.choice(self.desks[community.pk])
            submitted_by = rng.choice(volunteers) if volunteers else None
        elif channel in (Channel.PHONE, Channel.WALK_IN) and self.intake:
            submitted_by = rng.choice(self.intake)
        case_id = self._new_id(Case)
        due_at = submitted_at + timedelta(hours=category.time_limit_hours)
        state, department = State.SUBMITTED, None
        t = submitted_at
        history = []

        def move(action, to_state, delay, **extra):
            """Make the move after `delay`; its time, or None when that is still in the future."""
            nonlocal t, state
            if t + delay > self.now:
                return None
            t = t + delay
            history.append((action, state, to_state, t, extra))
            state = to_state
            return t

        intake = rng.choice(self.intake) if self.intake else None
        history.append((Action.SUBMIT, "", State.SUBMITTED, t, {"by": submitted_by}))
        done = False
        if rng.random() < 0.04:
            move(
                Action.REJECT, State.REJECTED, _lognormal(rng, 40), by=intake, note=rng.choice(REJECT_REASONS)
            )
            done = True
        if not done and move(Action.ACCEPT, State.ACCEPTED, _lognormal(rng, 40), by=intake):
            right = self.department_of[category.pk]
            wrong = rng.random() < 0.06 and len(self.departments) > 1
            department = rng.choice([d for d in self.departments if d != right]) if wrong else right
            ok = move(Action.DISPATCH, State.DISPATCHED, _lognormal(rng, 60), by=intake, dept=department)
            if ok and (wrong or rng.random() < 0.02):
                handler = self._handler(department)
                if move(
                    Action.RETURN, State.ACCEPTED, _lognormal(rng, 180), by=handler, note=RETURN_REASONS[0]
                ):
                    department = None
                    if move(Action.DISPATCH, State.DISPATCHED, _lognormal(rng, 30), by=intake, dept=right):
                        department = right
                    else:
                        ok = False
                else:
                    ok = True
            if ok and state == State.DISPATCHED:
                self._handle(rng, category, department, move, resolutions, ratings, case_id)
        last_at = history[-1][3]
        cases.append(
            (
                case_id,
                number,
                state,
                len(history) - 1,
                channel,
                category.pk,
                community.pk,
                f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 18)}楼",
                rng.choice(DESCRIPTIONS.get(category.code, ["其他民生诉求。"])),
                rng.choice(SURNAMES) + rng.choice(GIVEN),
                f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                "",
                age,
                department.pk if department else None,
                None,
                due_at,
                submitted_by.pk if submitted_by else None,
                desk.pk if desk else None,
                False,
                None,
                None,
                submitted_at,
                last_at,
            )
        )
        for action, from_state, to_state, at, extra in history:
            by = extra.get("by")
            event_id = self._new_id(CaseEvent)
            dept = extra.get("dept") if action == Action.DISPATCH else None
            events.append(
                (
                    event_id,
                    case_id,
                    action,
                    from_state,
                    to_state,
                    at,
                    by.pk if by else None,
                    extra.get("name") or self._name(by),
                    dept.pk if dept else None,
                    None,
                    extra.get("note", ""),
                    extra.get("comment", ""),
                    True,
                )
            )
            if "resolution" in extra:
                extra["resolution"]["event_id"] = event_id

    def _name(self, user) -> str:
        if user is None:
            return ""
        if user.pk not in self.names:
            self.names[user.pk] = roles.display_name(user)
        return self.names[user.pk]

    def _handler(self, department):
        handlers = self.handlers.get(department.pk) if department else None
        return self.rng.choice(handlers) if handlers else None

    def _handle(self, rng, category, department, move, resolutions, ratings, case_id):
        """Start, complete, then ratings and reopens, as far as time allows."""
        handler = self._handler(department)
        if not move(Action.START, State.HANDLING, _lognormal(rng, 180), by=handler):
            return
        limit = category.time_limit_hours * 60
        for attempt in range(3):
            median = limit * (0.45 if attempt == 0 else 0.25)
            resolution = {
                "id": self._new_id(Resolution),
                "case_id": case_id,
                "explanation": rng.choice(EXPLANATIONS),
            }
            resolution["created_at"] = move(
                Action.COMPLETE,
                State.COMPLETED,
                _lognormal(rng, median, 0.8),
                by=handler,
                note=resolution["explanation"],
                resolution=resolution,
            )
            if resolution["created_at"] is None:
                return  # a gap in resolution ids, which nothing depends on
            resolutions.append(resolution)
            if rng.random() > (0.8 if attempt == 0 else 0.6):
                move(
                    Action.AUTO_CLOSE,
                    State.CLOSED,
                    self.window + timedelta(minutes=5),
                    name="系统",
                    note="超时未评价,自动办结",
                )
                return
            if attempt == 0:
                score = _pick(
                    rng, [(Score.SATISFIED, 0.7), (Score.BASICALLY_SATISFIED, 0.2), (Score.DISSATISFIED, 0.1)]
                )
            else:
                score = _pick(
                    rng, [(Score.SATISFIED, 0.6), (Score.BASICALLY_SATISFIED, 0.3), (Score.DISSATISFIED, 0.1)]
                )
            if attempt == 2 and score == Score.DISSATISFIED:
                score = Score.BASICALLY_SATISFIED
            follow_up = rng.random() < 0.35
            by = (rng.choice(self.intake) if self.intake else None) if follow_up else None
            comment = rng.choice(COMMENTS) if score == Score.DISSATISFIED else ""
            rating = {
                "case_id": case_id,
                "resolution_id": resolution["id"],
                "score": score,
                "comment": comment,
                "via": Rating.Via.FOLLOW_UP if follow_up else Rating.Via.ONLINE,
                "recorded_by_id": by.pk if by else None,
            }
            label = Score(score).label
            reopen = score == Score.DISSATISFIED
            note = f"居民评价:{label}" + (",重新办理" if reopen else "") + ("(电话回访)" if follow_up else "")
            delay = min(_lognormal(rng, 24 * 60), self.window)
            rating["at"] = move(
                Action.REOPEN if reopen else Action.RATE,
                State.HANDLING if reopen else State.CLOSED,
                delay,
                by=by,
                name="" if by else "居民",
                note=note,
                comment=comment,
            )
            if rating["at"] is None:
                return
            rating["id"] = self._new_id(Rating)
            ratings.append(rating)
            if not reopen:
                return
