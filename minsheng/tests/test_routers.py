"""Which database each request reads: the public lookups and the dashboard from the replica, the rest
(and everything after a write) from the primary. In tests the replica is a mirror of the primary's
test database, so what differs is only the connection the queries went through — which is what
these tests count."""

import pytest
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from minsheng import routers
from tests.support.data import API_SUBMISSION, case_in, submit
from web.tests.helpers import submission

pytestmark = [pytest.mark.replica, pytest.mark.django_db(transaction=True, databases=["default", "replica"])]


class Queries:
    """Queries per alias during the block, as lists of SQL."""

    def __enter__(self):
        self._contexts = {
            alias: CaptureQueriesContext(connections[alias]) for alias in ("default", "replica")
        }
        for context in self._contexts.values():
            context.__enter__()
        return self

    def __exit__(self, *exc):
        for context in self._contexts.values():
            context.__exit__(*exc)

    def on(self, alias: str, table: str = "cases_case") -> list[str]:
        return [q["sql"] for q in self._contexts[alias].captured_queries if table in q["sql"]]


def test_the_public_progress_page_reads_the_case_from_the_replica(client, users):
    case = case_in("dispatched", users)
    with Queries() as queries:
        response = client.get(f"/cases/{case.number}")
    assert response.status_code == 200
    assert case.number in response.content.decode()
    assert queries.on("replica")
    assert queries.on("default") == []


@pytest.mark.parametrize(
    "path", ["/api/v1/cases/{number}", "/open311/v2/requests/{number}.json", "/open311/v2/requests.xml"]
)
def test_api_and_open311_lookups_read_from_the_replica(client, users, path):
    case = submit()
    with Queries() as queries:
        response = client.get(path.format(number=case.number))
    assert response.status_code == 200
    assert case.number in response.content.decode()
    assert queries.on("replica")
    assert queries.on("default") == []


def test_the_dashboard_reads_figures_from_the_replica_and_the_session_from_the_primary(client, users):
    case_in("completed", users)
    client.force_login(users["supervisor"])
    with Queries() as queries:
        response = client.get("/supervisor/dashboard")
    assert response.status_code == 200
    assert queries.on("replica", "stats_")
    assert queries.on("default", "stats_") == []
    assert queries.on("default", "auth_user")
    assert queries.on("replica", "auth_user") == []
    assert queries.on("replica", "django_session") == []


def test_a_staff_page_reads_only_from_the_primary(client, users):
    case = submit()
    client.force_login(users["intake"])
    with Queries() as queries:
        response = client.get(f"/staff/cases/{case.number}")
    assert response.status_code == 200
    assert queries.on("default")
    assert queries.on("replica", "") == []


def test_submitting_reads_and_writes_only_the_primary_and_the_confirmation_too(client, users):
    with Queries() as queries:
        response = client.post("/cases/new", submission(), follow=True)
    case = Case.objects.get()
    assert response.status_code == 200
    assert case.number in response.content.decode()
    assert queries.on("replica", "") == []


def test_after_a_write_the_browser_reads_its_progress_from_the_primary_for_a_while(client, users, settings):
    settings.REPLICA_PIN_SECONDS = 7
    response = client.post("/cases/new", submission())
    cookie = response.cookies[routers.PIN_COOKIE]
    assert cookie["max-age"] == 7
    assert cookie["httponly"]
    number = Case.objects.get().number
    with Queries() as queries:
        assert client.get(f"/cases/{number}").status_code == 200
    assert queries.on("default")
    assert queries.on("replica", "") == []
    # Once the cookie has expired, the replica again.
    client.cookies.pop(routers.PIN_COOKIE)
    with Queries() as queries:
        assert client.get(f"/api/v1/cases/{number}").status_code == 200
    assert queries.on("replica")


def test_a_case_the_replica_does_not_have_yet_is_asked_of_the_primary(client, users):
    # A number that exists nowhere shows the fallback: the replica said no, so the primary is asked.
    with Queries() as queries:
        response = client.get("/api/v1/cases/20260101-9999")
    assert response.status_code == 404
    assert queries.on("replica")
    assert queries.on("default")


def test_reads_inside_a_transaction_on_the_primary_stay_on_the_primary(users):
    case = submit()
    with routers.use_replica():
        with Queries() as queries:
            assert Case.objects.get(pk=case.pk).number == case.number
            with transaction.atomic():
                Case.objects.get(pk=case.pk)
        assert len(queries.on("replica")) == 1
        assert len(queries.on("default")) == 1


def test_writes_always_go_to_the_primary(users):
    case = submit()
    with routers.use_replica(), Queries() as queries:
        Case.objects.filter(pk=case.pk).update(address="新地址")
    assert queries.on("replica", "") == []
    assert any(sql.startswith("UPDATE") for sql in queries.on("default"))


def test_replica_reads_can_be_turned_off(client, users, settings):
    settings.REPLICA_READS = False
    case = submit()
    with Queries() as queries:
        assert client.get(f"/cases/{case.number}").status_code == 200
    assert queries.on("default")
    assert queries.on("replica", "") == []


def test_an_api_submission_pins_its_client_to_the_primary_too(users):
    # Anonymous API submissions take api.fastpath's shorter stack, which keeps this middleware.
    response = Client().post("/api/v1/cases", API_SUBMISSION, content_type="application/json")
    assert response.status_code == 201
    assert response.cookies[routers.PIN_COOKIE]["httponly"]
