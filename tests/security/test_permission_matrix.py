"""Walk the whole permission matrix (docs/permissions.toml) through the test client and the APIs.

Every cell: the status (and where a redirect goes) is exactly the matrix's; the response shows the
resident's full phone, address and name exactly where the matrix says; a refusal is logged to
`minsheng.security` with who and what, changes nothing and writes no personal-data view; a
response that shows personal data to staff writes a PersonalDataAccess row. For every cell that
hides a case, a well-formed number that does not exist gets the identical response.
"""

import difflib
import io
import json
import logging
import os
import re
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from api.auth import digest
from api.models import ApiToken
from cases import fairness, merging, moreinfo, roles, supervision
from cases.models import (
    Attachment,
    Case,
    Category,
    Community,
    Department,
    HelpDesk,
    InfoRequest,
    PersonalDataAccess,
    StaffProfile,
    UnreasonableReason,
)
from knowledge.demo import load_knowledge
from knowledge.models import Entry
from tests.support.audio import voice_file
from tests.support.data import case_in, jpeg, setup_reference

from . import matrix

ROLES, OPS = matrix.load()
OPS_BY_ID = {op["id"]: op for op in OPS}
CELLS = [(op["id"], role) for op in OPS for role in ROLES]

PHONE = "13912345678"
OTHER_PHONE = "13900009999"
NAME = "欧阳桂兰"
ADDRESS = "竹枝路17号3栋2单元501室"
# The exact position a client sent with the case (Open311 lat/long): for such a case it *is* the
# detailed address, so it counts as "A" wherever it is shown (the published one is coarsened).
LAT, LONG = "29.563417", "106.551239"
STATES = ("submitted", "accepted", "dispatched", "handling", "completed", "disputed")
TOKENS = {role: f"matrix-token-{role}" for role in ROLES}
RESIDENT_PHONES = {"res_own": PHONE, "res_other": OTHER_PHONE}


# ---------------------------------------------------------------------------------------------
# The world: built once per module inside a transaction that is rolled back at the end; each test
# runs in a savepoint of it (pytest-django's `db`), so every cell starts from the same state.


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix-media")


@pytest.fixture(autouse=True)
def _media_root(settings, media_dir):
    """Overrides conftest's per-test media directory: the world's files live for the module."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = media_dir
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _user(username: str, role: str, *, department: str | None = None, desk: str | None = None) -> User:
    user = User.objects.create_user(username, password="x", first_name=username)
    user.groups.add(Group.objects.get(name=role))
    StaffProfile.objects.update_or_create(
        user=user, defaults={"department": Department.objects.get(code=department) if department else None}
    )
    if desk:
        HelpDesk.objects.get(code=desk).volunteers.add(user)
    return user


def _build(media_dir) -> dict:
    demo = setup_reference()
    users = {
        "vol_desk": demo["volunteer"],
        "vol_other": _user("matrix-volunteer-other", roles.VOLUNTEER, desk="mingliang-desk"),
        "intake": demo["intake"],
        "hx": demo["handler"],
        "hy": _user("matrix-handler-urban", roles.HANDLER, department="urban"),
        "sup": demo["supervisor"],
        "admin": demo["admin"],
        "grid": demo["grid"],
    }
    # The cases are registered by a colleague at the same desk, so that `vol_desk` reaches them
    # through the desk rule alone, not as their submitter.
    colleague = _user("matrix-volunteer-colleague", roles.VOLUNTEER, desk="zhuzhi-desk")
    desk = HelpDesk.objects.get(code="zhuzhi-desk")
    resident = {
        "channel": "help_desk",
        "by": colleague,
        "desk": desk,
        "phone": PHONE,
        "name": NAME,
        "address": ADDRESS,
    }
    demo_users = {"intake": demo["intake"], "handler": demo["handler"]}
    cases = {}
    for state in STATES:
        extra = {}
        if state == "dispatched":
            extra = {"photo_files": [jpeg("home.jpg")], "voice_file": voice_file("wav")}
        cases[state] = case_in(state, demo_users, **resident, **extra)
    # 主办 / 协办: a handling case led by 物业科 with 城管科 (`hy`'s department) co-handling.
    from cases import services

    co_handled = case_in("accepted", demo_users, **resident)
    services.dispatch(
        co_handled,
        by=demo["intake"],
        department=Department.objects.get(code="property"),
        co_departments=[Department.objects.get(code="urban")],
    )
    services.start(co_handled, by=demo["handler"])
    cases["co_handled"] = co_handled
    # The grid level: a case of the resident dispatched to 竹枝社区工作站, which goes to the grid
    # worker of 3栋 (`grid`); started, so that it may be completed.
    station_case = case_in("accepted", demo_users, **resident)
    services.dispatch(
        station_case, by=demo["intake"], department=Department.objects.get(code="zhuzhi-station")
    )
    assert station_case.grid_worker == demo["grid"]
    cases["grid"] = station_case
    started = case_in("accepted", demo_users, **resident)
    services.dispatch(started, by=demo["intake"], department=Department.objects.get(code="zhuzhi-station"))
    services.start(started, by=demo["grid"])
    cases["grid_handling"] = started
    # 并单 (issue 21): a case merged into the accepted one, for 拆分.
    cases["merged"] = case_in("accepted", demo_users, **resident)
    merging.merge(cases["merged"], into=cases["accepted"], by=demo["intake"])
    Case.objects.filter(phone=PHONE).update(lat=Decimal(LAT), long=Decimal(LONG))
    for case in cases.values():
        case.refresh_from_db()
    dispatched, handling, completed = cases["dispatched"], cases["handling"], cases["completed"]
    # 补充材料: a dispatched case waiting for the resident's answer, past the time to answer.
    cases["asked"] = case_in("dispatched", demo_users, **resident)
    moreinfo.ask(cases["asked"], by=demo["handler"], question="请说明漏水的房间。")
    InfoRequest.objects.filter(case=cases["asked"]).update(decide_at=timezone.now() - timedelta(hours=1))
    extension = supervision.request_extension(
        handling, by=demo["handler"], reason="需要采购配件。", new_due_at=timezone.now() + timedelta(days=20)
    )
    # A pending 不合理诉求 mark on the completed case, for the sign-off rows (cases.fairness).
    fairness.mark(
        completed,
        by=demo["intake"],
        kind="unreasonable",
        reason=UnreasonableReason.objects.get(code="pestering"),
    )
    for role, user in users.items():
        ApiToken.objects.create(user=user, key_hash=digest(TOKENS[role]))
    load_knowledge(demo["intake"])
    tomorrow = timezone.localtime() + timedelta(days=1)
    return {
        "users": users,
        "cases": cases,
        "values": {
            "photo": str(dispatched.attachments.get(kind=Attachment.Kind.PHOTO).pk),
            "voice": str(dispatched.attachments.get(kind=Attachment.Kind.VOICE).pk),
            "public_photo": str(completed.attachments.filter(kind=Attachment.Kind.AFTER).first().pk),
            "extension": str(extension.pk),
            "dispute": str(cases["disputed"].disputes.get().pk),
            # Another open case (the accepted one), for merging {case} into.
            "open_case": cases["accepted"].number,
            "co_handling": str(co_handled.co_handlings.get().pk),
            "grid2_pk": str(demo["grid2"].pk),
            "category_pk": str(Category.objects.get(code="infrastructure").pk),
            "community_pk": str(Community.objects.get(code="zhuzhi").pk),
            "department_pk": str(Department.objects.get(code="property").pk),
            "other_department_pk": str(Department.objects.get(code="municipal").pk),
            "reason_pk": str(UnreasonableReason.objects.get(code="malicious").pk),
            "future": tomorrow.replace(hour=9, minute=30).strftime("%Y-%m-%dT%H:%M"),
            "future_iso": tomorrow.replace(hour=9, minute=30, second=0, microsecond=0).isoformat(),
            "far_future": (timezone.localtime() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
            "phone": PHONE,
            "last4": PHONE[-4:],
            "entry": str(Entry.objects.get(question="高龄津贴怎么申请?").pk),
            "draft_entry": str(Entry.objects.filter(status=Entry.Status.DRAFT).first().pk),
        },
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, media_dir):
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media_dir, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _build(media_dir)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# ---------------------------------------------------------------------------------------------
# Making the request of one cell.


def _fill(template: str, values: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


def _fill_data(data, values: dict):
    if isinstance(data, dict):
        return {_fill(k, values): _fill_data(v, values) for k, v in data.items()}
    if isinstance(data, str):
        return _fill(data, values)
    return data


def values_for(world, op: dict, *, missing: bool = False) -> dict:
    values = dict(world["values"])
    case = world["cases"].get(op.get("case", "dispatched"))
    values["case"] = case.number
    values["case_pk"] = str(case.pk)
    if missing:
        # Well-formed, the same length, and no such case; the same for every id in the path.
        values["case"] = case.number[:-4] + "9999"
        for key in ("case_pk", "photo", "voice", "extension", "public_photo", "dispute"):
            values[key] = "987654"
    return values


def client_for(world, role: str) -> tuple[Client, dict]:
    client = Client()
    headers = {}
    if role in RESIDENT_PHONES:
        session = client.session
        session["resident_phone"] = RESIDENT_PHONES[role]
        session.save()
    elif role != "anon":
        client.force_login(world["users"][role])
        headers["HTTP_AUTHORIZATION"] = f"Bearer {TOKENS[role]}"
    return client, headers


def perform(world, op: dict, role: str, *, missing: bool = False):
    values = values_for(world, op, missing=missing)
    client, headers = client_for(world, role)
    path = _fill(op["path"], values)
    method = op["method"].lower()
    if "json" in op:
        body = _fill_data(op["json"], values)
        for key, extra in op.get("json_for", {}).items():
            if role in [k.strip() for k in key.split(",")]:
                body = {**body, **extra}
        return client.generic(
            op["method"], path, json.dumps(body), content_type="application/json", **headers
        ), path
    if method == "get":
        return client.get(path, **headers), path
    if method == "delete":
        return client.delete(path, **headers), path
    data = _fill_data(op.get("form", {}), values)
    for name in op.get("files", []):
        data[_fill(name, values)] = jpeg(f"{name}.jpg")
    return client.post(path, data, **headers), path


def body_of(response) -> bytes:
    """The bytes a person would read: streamed bodies joined, XLSX unzipped, JSON unescaped."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            return b"".join(book.read(name) for name in book.namelist())
    if content_type.startswith("application/json") and raw:
        return json.dumps(json.loads(raw), ensure_ascii=False).encode()
    return raw


def shown_fields(body: bytes) -> frozenset:
    shown = set()
    if PHONE.encode() in body:
        shown.add("P")
    if ADDRESS.encode() in body or LAT.encode() in body or LONG.encode() in body:
        shown.add("A")
    if NAME.encode() in body:
        shown.add("N")
    return frozenset(shown)


def expected_who(world, role: str) -> str:
    if role == "anon":
        return "anonymous"
    if role in RESIDENT_PHONES:
        phone = RESIDENT_PHONES[role]
        return f"resident:{phone[:3]}****{phone[-4:]}"
    user = world["users"][role]
    return f"user:{user.get_username()}#{user.pk}"


# ---------------------------------------------------------------------------------------------
# The walk.


def _ids(cell):
    return f"{cell[0]}-{cell[1]}"


@pytest.mark.parametrize("op_id, role", CELLS, ids=[_ids(c) for c in CELLS])
def test_cell(op_id, role, world, db, caplog):
    op = OPS_BY_ID[op_id]
    expect = op["cells"][role]
    case = world["cases"].get(op.get("case", "dispatched"))
    version = Case.objects.get(pk=case.pk).version
    views_before = PersonalDataAccess.objects.count()
    started = timezone.now()

    with caplog.at_level(logging.INFO, logger="minsheng.security"):
        response, path = perform(world, op, role)

    where = f"{op['method']} {path} as {role}"
    assert response.status_code == expect.status, f"{where}: {response.status_code}, matrix says {expect}"
    location = response.get("Location", "")
    if expect.status == 302:
        sign_in = [key for key, url in matrix.SIGN_IN_PAGES.items() if location.partition("?")[0] == url]
        assert sign_in == ([expect.where] if expect.where else []), f"{where}: redirected to {location}"

    body = body_of(response)
    shown = shown_fields(body)
    assert shown == expect.fields, f"{where}: shows {sorted(shown)}, matrix says {sorted(expect.fields)}"

    if expect.refused:
        records = [r for r in caplog.records if r.name == "minsheng.security"]
        mine = [
            r
            for r in records
            if getattr(r, "security_who", None) == expected_who(world, role)
            and getattr(r, "security_target", "") == path.split("?")[0]
        ]
        assert mine, f"{where}: refusal not logged (got {[r.getMessage() for r in records]})"
        assert Case.objects.get(pk=case.pk).version == version, f"{where}: a refused request changed the case"
        assert PersonalDataAccess.objects.count() == views_before, f"{where}: a refusal logged a data view"
    elif expect.fields and role in world["users"]:
        logged = PersonalDataAccess.objects.filter(
            user=world["users"][role], case__phone=PHONE, at__gte=started
        )
        assert logged.exists(), f"{where}: showed personal data without a PersonalDataAccess row"


HIDDEN = [
    (op["id"], role)
    for op in OPS
    for role in ROLES
    if op["cells"][role].hidden
    and re.search(r"\{(case|case_pk|photo|voice|extension|public_photo|dispute)\}", op["path"])
]

_VOLATILE = [
    (re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"'), b'name="csrfmiddlewaretoken" value=""'),
    (re.compile(rb'nonce="[^"]*"'), b'nonce=""'),
]


def _normalised(response, path: str, number: str) -> tuple:
    """Status, redirect, headers and body, with this request's own path and number blanked."""
    body = body_of(response)
    for pattern, replacement in _VOLATILE:
        body = pattern.sub(replacement, body)
    body = body.replace(path.encode(), b"<path>").replace(number.encode(), b"<number>")
    location = response.get("Location", "").replace(path, "<path>").replace(number, "<number>")
    headers = sorted(
        (k, v)
        for k, v in response.items()
        if k not in ("Location", "Content-Length", "Set-Cookie", "Date", "Expires")
    )
    return response.status_code, location, headers, body


@pytest.mark.parametrize("op_id, role", HIDDEN, ids=[_ids(c) for c in HIDDEN])
def test_a_guessed_number_reveals_nothing(op_id, role, world, db):
    """A case one may not see and a case that does not exist get the identical answer."""
    op = OPS_BY_ID[op_id]
    real, real_path = perform(world, op, role)
    made_up, made_up_path = perform(world, op, role, missing=True)
    a = _normalised(real, real_path, values_for(world, op)["case"])
    b = _normalised(made_up, made_up_path, values_for(world, op, missing=True)["case"])
    if a != b:
        diff = "\n".join(
            difflib.unified_diff(
                a[3].decode(errors="replace").splitlines(),
                b[3].decode(errors="replace").splitlines(),
                lineterm="",
            )
        )
        where = f"{op['method']} {real_path} as {role}"
        raise AssertionError(f"{where}: an existing case answers differently\n{a[:3]}\n{b[:3]}\n{diff}")


# ---------------------------------------------------------------------------------------------
# The matrix itself.


def test_the_matrix_covers_every_route():
    """Every URL pattern of the project has at least one row (a new page needs its row)."""
    from django.urls import get_resolver

    def patterns(resolver, prefix=""):
        for entry in resolver.url_patterns:
            if hasattr(entry, "url_patterns"):
                yield from patterns(entry, prefix + str(entry.pattern))
            else:
                yield prefix + str(entry.pattern)

    from django.urls import resolve

    covered = set()
    for op in OPS:
        path = _fill(op["path"], {k: "1" for k in re.findall(r"\{(\w+)\}", op["path"])}).split("?")[0]
        path = path.replace("/cases/1", "/cases/20260101-0001")
        match = resolve(path)
        covered.add(match.route)
    # The admin's own pages (users, categories …) and ninja's docs page are not the project's routes.
    missing = [
        p
        for p in patterns(get_resolver())
        if not p.startswith("admin/") and p not in covered and "docs" not in p and "i18n/" != p
    ]
    assert not missing, f"routes without a row in docs/permissions.toml: {missing}"


def test_the_docs_show_the_matrix():
    generated = matrix.render(ROLES, OPS)
    text = matrix.DOC.read_text(encoding="utf-8")
    if os.environ.get("UPDATE_PERMISSIONS_DOC"):
        text = text.replace(matrix.documented_block(text), generated)
        matrix.DOC.write_text(text, encoding="utf-8")
    assert matrix.documented_block(text) == generated, (
        "docs/permissions.md is out of date: run UPDATE_PERMISSIONS_DOC=1 "
        ".venv/bin/python -m pytest tests/security/test_permission_matrix.py -k docs"
    )


def test_the_matrix_is_big_enough_to_mean_something():
    assert len(ROLES) == 11
    assert len(CELLS) >= 800
    assert len(HIDDEN) >= 150
