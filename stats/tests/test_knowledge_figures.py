"""The dashboard counts answers given from the knowledge base and entries updated in the period."""

import time_machine

from knowledge import services
from knowledge.demo import load_knowledge
from knowledge.models import Entry
from tests.support.data import submit

from .conftest import local


def test_answers_and_updated_entries_count_in_their_period(supervisor_client, users):
    with time_machine.travel(local(2026, 3, 10, 10, 0)):
        load_knowledge(users["intake"])
        entry = Entry.objects.get(question="高龄津贴怎么申请?")
        services.answer_case(submit(), by=users["intake"], entry=entry)
        services.answer_at_desk(by=users["volunteer"], entry=entry, sms=False)
    with time_machine.travel(local(2026, 4, 2, 10, 0)):
        services.answer_at_desk(by=users["volunteer"], entry=entry, phone="13912345678", sms=True)
    march = supervisor_client.get("/supervisor/dashboard?from=2026-03-01&to=2026-03-31")
    counts = march.context["knowledge"]
    assert (counts.answers, counts.answers_to_cases, counts.answers_at_desk) == (2, 1, 1)
    assert counts.entries_updated == Entry.objects.count()
    assert "用知识库答复的次数" in march.content.decode()
    april = supervisor_client.get("/supervisor/dashboard?from=2026-04-01&to=2026-04-30").context["knowledge"]
    assert (april.answers, april.answers_at_desk, april.entries_updated) == (1, 1, 0)
