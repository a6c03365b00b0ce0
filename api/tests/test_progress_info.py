"""补充材料 in the REST API's public progress: the question the resident is asked (no personal data)."""

from cases import moreinfo
from tests.support.data import case_in


def test_the_public_progress_says_what_the_resident_is_asked_for(client, users):
    case = case_in("dispatched", users)
    assert client.get(f"/api/v1/cases/{case.number}").json()["info_question"] is None
    moreinfo.ask(case, by=users["handler"], question="漏水的是哪一个房间?")
    assert client.get(f"/api/v1/cases/{case.number}").json()["info_question"] == "漏水的是哪一个房间?"
