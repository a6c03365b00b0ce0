from tests.support.data import case_in


def test_a_case_walks_from_submission_to_closed(users):
    case = case_in("closed", users)
    assert [e.action for e in case.events.order_by("at", "id")] == [
        "submit",
        "accept",
        "dispatch",
        "start",
        "complete",
        "rate",
    ]
