from cases import services
from cases.models import Department
from tests.support.data import case_in, submit


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()}


def test_intake_sees_new_and_accepted_cases_with_contact_details(client, users, token_for):
    new, accepted = submit(), case_in("accepted", users)
    dispatched = case_in("dispatched", users)
    response = client.get("/api/v1/queue", headers=token_for("intake"))
    assert numbers(response) == {new.number, accepted.number}
    assert dispatched.number not in numbers(response)
    row = next(r for r in response.json() if r["number"] == new.number)
    assert row["name"] == "张桂兰"
    assert row["phone"] == "13800001234"
    assert row["address"] == "3栋2单元5楼"
    assert row["category"]["code"] == "infrastructure"


def test_a_handler_sees_only_his_departments_cases(client, users, token_for):
    ours, handling = case_in("dispatched", users), case_in("handling", users)
    theirs = case_in("accepted", users)
    services.dispatch(theirs, by=users["intake"], department=Department.objects.get(code="urban"))
    submit()
    response = client.get("/api/v1/queue", headers=token_for("handler"))
    assert numbers(response) == {ours.number, handling.number}


def test_a_supervisor_sees_every_open_case(client, users, token_for):
    cases = [submit(), case_in("accepted", users), case_in("dispatched", users), case_in("handling", users)]
    case_in("closed", users)
    response = client.get("/api/v1/queue", headers=token_for("supervisor"))
    assert numbers(response) == {c.number for c in cases}


def test_a_volunteer_has_an_empty_queue(client, users, token_for):
    submit()
    assert numbers(client.get("/api/v1/queue", headers=token_for("volunteer"))) == set()
