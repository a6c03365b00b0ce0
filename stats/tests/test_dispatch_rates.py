"""The dashboard's dispute and reassignment rates per department (issue 22)."""

from django.utils import timezone

from cases import dispatching
from cases.models import Department
from tests.support.data import case_in


def test_dispute_and_reassignment_rates_per_department(supervisor_client, users):
    municipal = Department.objects.get(code="municipal")
    urban = Department.objects.get(code="urban")
    kept = case_in("dispatched", users)  # 物业科 keeps it
    moved = case_in("dispatched", users)
    dispatching.reassign(moved, by=users["intake"], department=municipal, reason="路灯属市政")
    disputed = case_in("dispatched", users)
    dispute = dispatching.dispute(disputed, by=users["handler"], reason="不归物业")
    dispatching.rule(dispute, by=users["supervisor"], upheld=False, note="归城管", department=urban)
    assert kept.department.code == "property"
    today = timezone.localdate().isoformat()
    response = supervisor_client.get(f"/supervisor/dashboard?from={today}&to={today}")
    assert response.status_code == 200
    rows = {row["department"].code: row for row in response.context["dispatch_rates"]}
    assert (rows["property"]["received"], rows["property"]["disputes"], rows["property"]["moved_away"]) == (
        3,
        1,
        2,
    )
    assert round(rows["property"]["reassign_rate"], 3) == round(2 / 3, 3)
    assert (rows["municipal"]["received"], rows["municipal"]["moved_away"]) == (1, 0)
    assert (rows["urban"]["received"], rows["urban"]["disputes"]) == (1, 0)
    page = response.content.decode()
    assert "派单异议率与改派率" in page and "67%" in page
