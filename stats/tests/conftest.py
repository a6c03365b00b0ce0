import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from cases.models import (
    AgeBand,
    Case,
    CaseEvent,
    Category,
    Channel,
    Community,
    Department,
    Rating,
    Resolution,
    Score,
    State,
)
from cases.workflow import Action
from operations.demo import DEMO_PASSWORD

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def supervisor_client(client, users):
    client.force_login(users["supervisor"])
    return client


@pytest.fixture
def token_for(client, users):
    def get(username: str) -> dict:
        response = client.post(
            "/api/v1/auth/token",
            {"username": username, "password": DEMO_PASSWORD},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        return {"Authorization": f"Bearer {response.json()['token']}"}

    return get


class Population:
    """Cases written straight to the tables (like a bulk import), then `manage.py rebuild_stats`."""

    def __init__(self):
        self.n = 0
        self.category = Category.objects.get(code="infrastructure")
        self.community = Community.objects.get(code="zhuzhi")
        self.department = Department.objects.get(code="property")

    def add(
        self,
        at: datetime,
        *,
        channel=Channel.ONLINE,
        age=AgeBand.UNDER_60,
        score: str | None = None,
        completed: bool = True,
        category=None,
        community=None,
        description="楼道灯不亮。",
    ) -> Case:
        self.n += 1
        if score:
            state = State.HANDLING if score == Score.DISSATISFIED else State.CLOSED
        else:
            state = State.COMPLETED if completed else State.SUBMITTED
        case = Case.objects.create(
            number=f"{at:%Y%m%d}-{self.n:04d}",
            state=state,
            channel=channel,
            category=category or self.category,
            community=community or self.community,
            address="1栋1单元1楼",
            description=description,
            name="王桂兰",
            phone=f"138{self.n:08d}",
            age_band=age,
            department=self.department if completed else None,
            due_at=at + timedelta(hours=48),
            submitted_at=at,
            updated_at=at,
        )
        moves = [(Action.SUBMIT, "", State.SUBMITTED, 0)]
        if completed:
            moves += [
                (Action.ACCEPT, State.SUBMITTED, State.ACCEPTED, 30),
                (Action.DISPATCH, State.ACCEPTED, State.DISPATCHED, 90),
                (Action.START, State.DISPATCHED, State.HANDLING, 150),
                (Action.COMPLETE, State.HANDLING, State.COMPLETED, 1500),
            ]
        events = CaseEvent.objects.bulk_create(
            [
                CaseEvent(
                    case=case,
                    action=action,
                    from_state=a,
                    to_state=b,
                    at=at + timedelta(minutes=minutes),
                    department=self.department if action == Action.DISPATCH else None,
                )
                for action, a, b, minutes in moves
            ]
        )
        if completed:
            resolution = Resolution.objects.create(
                case=case, event=events[-1], explanation="已修好", created_at=events[-1].at
            )
            if score:
                rated = at + timedelta(days=2)
                reopen = score == Score.DISSATISFIED
                CaseEvent.objects.create(
                    case=case,
                    action=Action.REOPEN if reopen else Action.RATE,
                    from_state=State.COMPLETED,
                    to_state=State.HANDLING if reopen else State.CLOSED,
                    at=rated,
                )
                Rating.objects.create(case=case, resolution=resolution, score=score, at=rated)
        return case

    @staticmethod
    def rebuild():
        call_command("rebuild_stats", stdout=io.StringIO())


@pytest.fixture
def population(users):
    return Population()


SCORES = [Score.SATISFIED] * 7 + [Score.BASICALLY_SATISFIED] * 2 + [Score.DISSATISFIED]

STORY_START = local(2026, 1, 1, 9, 0)
STORY_PERIOD = "from=2026-01-01&to=2026-06-30"
# The story's population (test_story_figures): (channel, age band, how many)
STORY_MIX = [
    (Channel.ONLINE, AgeBand.AGE_60_PLUS, 60),
    (Channel.ONLINE, AgeBand.UNDER_60, 540),
    (Channel.HELP_DESK, AgeBand.AGE_60_PLUS, 150),
    (Channel.PHONE, AgeBand.AGE_60_PLUS, 60),
    (Channel.WALK_IN, AgeBand.AGE_60_PLUS, 30),
    (Channel.HELP_DESK, AgeBand.UNDER_60, 120),
    (Channel.PHONE, AgeBand.UNDER_60, 120),
    (Channel.WALK_IN, AgeBand.UNDER_60, 120),
]


@pytest.fixture
def story(population):
    """1,200 cases: 10% of online ones from residents 60+, 80% of 60+ cases offline; 1,000 rated,
    700 满意, 200 基本满意, 100 不满意 (reopened); 100 completed unrated; 100 not yet accepted."""
    kinds = [(channel, age) for channel, age, n in STORY_MIX for _ in range(n)]
    step = timedelta(days=180) / len(kinds)
    rated = 0
    for i, (channel, age) in enumerate(kinds):
        if i % 6 == 5:  # 200 unrated: half completed, half not yet accepted
            score, completed = None, i % 12 != 11
        else:
            score, completed = SCORES[rated % 10], True
            rated += 1
        population.add(STORY_START + step * i, channel=channel, age=age, score=score, completed=completed)
    population.rebuild()
    return population
