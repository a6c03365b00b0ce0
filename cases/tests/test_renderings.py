"""The stored public renderings: served only for the version they were made from, and not for ever."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone, translation

from cases import renderings, services
from cases.errors import CaseNotFound
from cases.models import Case, Category, PublicView
from tests.support.data import case_in


def render_stage(case) -> str:
    return f"{case.state}:{case.category.name}"


def body(number: str, variant: str, build) -> str:
    return renderings.rendering(renderings.current(number, variant), variant, build)[1]


def test_a_body_is_built_once_per_version(users):
    case = case_in("dispatched", users)
    built = []

    def build(c):
        built.append(c.version)
        return render_stage(c)

    assert body(case.number, "t", build) == "dispatched:基础设施维修"
    assert body(case.number, "t", build) == "dispatched:基础设施维修"
    assert len(built) == 1
    services.start(case, by=users["handler"])
    assert body(case.number, "t", build) == "handling:基础设施维修"
    assert len(built) == 2
    assert PublicView.objects.get(case=case, variant="t").version == Case.objects.get(pk=case.pk).version


def test_the_version_returned_is_the_one_the_body_was_made_from(users):
    case = case_in("dispatched", users)
    before = renderings.current(case.number, "t")
    services.start(case, by=users["handler"])  # lands between reading the version and building
    version, made = renderings.rendering(before, "t", render_stage)
    assert made == "handling:基础设施维修"
    assert version == before.version + 1


def test_variants_and_languages_are_kept_apart(users):
    case = case_in("accepted", users)
    assert body(case.number, "a", lambda c: "A") == "A"
    assert body(case.number, "b", lambda c: "B") == "B"
    assert body(case.number, "a", lambda c: "changed") == "A"
    with translation.override("en"):
        assert body(case.number, "a", lambda c: "English") == "English"
    assert PublicView.objects.filter(case=case).count() == 3


def test_a_renamed_category_shows_within_the_hour(users):
    case = case_in("accepted", users)
    body(case.number, "t", render_stage)
    Category.objects.filter(pk=case.category_id).update(name="路灯与楼道灯")
    assert body(case.number, "t", render_stage) == "accepted:基础设施维修"
    with time_machine.travel(timezone.now() + renderings.MAX_AGE + timedelta(minutes=1)):
        assert body(case.number, "t", render_stage) == "accepted:路灯与楼道灯"


def test_an_older_body_never_replaces_a_newer_one(users):
    case = case_in("accepted", users)
    body(case.number, "t", render_stage)
    row = PublicView.objects.get(case=case, variant="t")
    PublicView.objects.filter(pk=row.pk).update(version=row.version + 5, body="newer")
    # A builder that read the case before the newer body was stored finishes late.
    body(case.number, "t", lambda c: "older")
    assert PublicView.objects.get(pk=row.pk).body == "newer"


@pytest.mark.parametrize("number", ["", "x", "20240101-0001' OR 1=1 --", "20991231-9999"])
def test_unknown_or_malformed_numbers_are_not_found_and_store_nothing(users, number):
    with pytest.raises(CaseNotFound):
        body(number, "t", render_stage)
    assert not PublicView.objects.exists()
