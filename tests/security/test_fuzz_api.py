"""Fuzz the REST API (/api/v1) and Open311 (/open311/v2) with schemathesis against their OpenAPI
documents, in-process through the WSGI application (no server).

Checks on every generated request: no 5xx; the status code is one the document lists; the
response's content type and body match the document's schema; invalid input (negative mode) is
refused with a 4xx. Staff operations are called with a bearer token of the role that may make
them. The budget is bounded (FUZZ_MAX_EXAMPLES per operation and mode, default 25) so the whole
run stays well under two minutes on two cores. `-m "not fuzz"` leaves these tests out locally;
`make test` (and CI) runs them.
"""

import itertools
import json
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from api.auth import digest
from api.models import ApiToken
from tests.support.data import case_in, setup_reference

pytestmark = pytest.mark.fuzz

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))
# Which role's token each operation is called with: the role that may make the move, so that the
# fuzzer gets past the role check and reaches the input handling behind it.
TOKEN_ROLE = {
    "/stats": "supervisor",
    "/cases/{number}/return": "handler",
    "/cases/{number}/start": "handler",
    "/cases/{number}/complete": "handler",
    "/cases/{number}/appointment": "volunteer",
    "/cases/{number}/follow-ups": "volunteer",
}
# Not `positive_data_acceptance`: a well-formed case number or category code may still not exist
# (a 404 or 422 is then the right answer), which a schema cannot say.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure in CI reproduces locally
    suppress_health_check=list(HealthCheck),
    database=None,
)


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({"generation": {"mode": "all", "max-examples": MAX_EXAMPLES}})


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Reference data, one token per role and a case in each stage, built once for the module in a
    transaction rolled back at its end; each operation's test runs in a savepoint of it."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("fuzz-media")):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            users = setup_reference()
            tokens = {}
            for name in ("intake", "handler", "volunteer", "supervisor"):
                ApiToken.objects.create(user=users[name], key_hash=digest(f"fuzz-{name}"))
                tokens[name] = f"fuzz-{name}"
            states = ("submitted", "accepted", "dispatched", "handling", "completed")
            yield {"tokens": tokens, "numbers": {state: case_in(state, users).number for state in states}}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module", autouse=True)
def _keep_the_test_connection():
    """Requests here go through the real WSGI handler, which closes "obsolete" database connections
    when a request starts and ends; inside the test's transaction that would close the connection
    (PostgreSQL) and lose the test's data. Django's own test client turns this off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# Loaded at collection through the WSGI app (neither document touches the database). Not lazily
# (schemathesis.pytest.from_fixture): its lazy mode reads a pytest-internal attribute gone in pytest 9.
_APP = WSGIHandler()
rest = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _APP, config=_config())
open311 = schemathesis.openapi.from_wsgi("/open311/v2/openapi.json", _APP, config=_config())


def _auth(case, tokens) -> dict:
    role = next((r for suffix, r in TOKEN_ROLE.items() if case.path.endswith(suffix)), "intake")
    return {"Authorization": f"Bearer {tokens[role]}"}


# The stage a case must be in for each move; other operations get a dispatched case.
STAGE_FOR = {
    "accept": "submitted",
    "reject": "submitted",
    "dispatch": "accepted",
    "complete": "handling",
    "rating": "completed",
    "follow-ups": "completed",
}
_turn = itertools.count()


def _real_number_half_the_time(case, world) -> None:
    """Every other example gets a real case number, so the fuzzer's inputs reach the code behind
    the case lookup (a random number is only ever a 404)."""
    params = case.path_parameters or {}
    key = next((k for k in ("number", "service_request_id") if k in params), None)
    if key is None or next(_turn) % 2:
        return
    move = case.path.rstrip("/").rsplit("/", 1)[-1]
    params[key] = world["numbers"][STAGE_FOR.get(move, "dispatched")]


# Requests sent and operations fuzzed, reported at the end of the run (tests/security/conftest.py).
SENT: dict[str, set | int] = {"requests": 0, "operations": set()}


def _call(case, **kwargs):
    SENT["requests"] += 1
    SENT["operations"].add(case.operation.label)
    case.call_and_validate(checks=CHECKS, **kwargs)


@rest.parametrize()
@HYPOTHESIS
def test_rest_api_keeps_its_contract(case, world, db):
    _real_number_half_the_time(case, world)
    _call(case, headers=_auth(case, world["tokens"]))


@open311.parametrize()
@HYPOTHESIS
def test_open311_keeps_its_contract(case, world, db):
    _real_number_half_the_time(case, world)
    _call(case)


# Beyond the documents: what an attacker sends that no schema describes (issue 26, item 5).
# JSON of any shape and depth, and the Open311 list's parameters as any text at all (superscript
# and full-width digits, 20-digit pages, years 1 and 9999, odd offsets): never a 500, and always
# the caller's own error format.

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=40,
)


def _nested(depth: int, leaf) -> object:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"description": value}
    return value


@HYPOTHESIS
@given(body=_JSON, depth=st.integers(min_value=0, max_value=3000))
def test_json_of_any_shape_or_depth_gets_a_json_error_never_a_500(client, world, db, body, depth):
    payload = json.dumps(_nested(depth, body)) if depth < 1000 else "[" * depth + "]" * depth
    for path in ("/api/v1/cases", "/api/v1/triage"):
        response = client.post(path, payload, content_type="application/json")
        assert response.status_code < 500, (path, depth, response.status_code)
        assert response["Content-Type"].startswith("application/json"), (path, response["Content-Type"])


_PARAM_TEXT = st.text(max_size=24) | st.sampled_from(
    [
        "²",
        "１０",
        "99999999999999999999",
        "0001-01-01",
        "9999-12-31T23:59:59Z",
        "2024-05-01T00:00+99:00",
        "-1",
    ]
)


@HYPOTHESIS
@given(
    page=_PARAM_TEXT,
    page_size=_PARAM_TEXT,
    start=_PARAM_TEXT,
    end=_PARAM_TEXT,
    fmt=st.sampled_from(["json", "xml"]),
)
def test_the_open311_list_answers_any_parameters_in_its_own_format(
    client, world, db, page, page_size, start, end, fmt
):
    query = {"page": page, "page_size": page_size, "start_date": start, "end_date": end}
    response = client.get(f"/open311/v2/requests.{fmt}", {k: v.replace("\x00", "") for k, v in query.items()})
    assert response.status_code in (200, 400), (query, response.status_code)
    assert response["Content-Type"].startswith("application/json" if fmt == "json" else "text/xml"), (
        query,
        response["Content-Type"],
    )
