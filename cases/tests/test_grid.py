"""The community and grid level: work stations handle their own community's cases; grid workers
(网格员) get the cases of their buildings and handle only those."""

import pytest
from django.core.exceptions import ValidationError

from cases import access, dispatching, grid, services, workflow
from cases.errors import NotAllowed
from cases.models import Case, Community, Department, GridAssignment
from cases.workflow import Action
from tests.support.data import case_in, jpeg


def dept(code):
    return Department.objects.get(code=code)


def station_case(users, address="竹枝小区3栋2单元5楼", community="zhuzhi"):
    case = case_in("accepted", users, address=address, community=Community.objects.get(code=community))
    if community == "zhuzhi":
        services.dispatch(case, by=users["intake"], department=dept("zhuzhi-station"))
    return Case.objects.get(pk=case.pk)


def test_buildings_are_read_as_addresses_are():
    assert grid.building_of("竹枝小区3栋2单元5楼") == "3"
    assert grid.building_of("三号楼") == "3"
    assert grid.building_of("3-2-502") == "3"
    assert grid.building_of("竹枝路17号") == ""


def test_a_station_case_goes_to_the_grid_worker_of_its_building(users):
    assert station_case(users).grid_worker == users["grid"]
    assert station_case(users, address="5栋1单元").grid_worker == users["grid2"]
    assert station_case(users, address="竹枝路菜市场门口").grid_worker is None


def test_a_station_handles_only_its_own_community(users):
    case = station_case(users, community="baidi")
    with pytest.raises(ValidationError) as exc:
        services.dispatch(case, by=users["intake"], department=dept("zhuzhi-station"))
    assert "竹枝社区工作站只办理竹枝社区的诉求" in str(exc.value)
    assert Case.objects.get(pk=case.pk).department is None
    assert not grid.departments_for(case).filter(code="zhuzhi-station").exists()
    assert grid.departments_for(station_case(users)).filter(code="zhuzhi-station").exists()


def test_a_grid_worker_sees_and_handles_only_their_own_cases(users):
    mine = station_case(users)
    theirs = station_case(users, address="4栋")
    assert list(access.visible_cases(users["grid"])) == [mine]
    with pytest.raises(Exception) as exc:
        access.case_for_staff(users["grid"], theirs.number)
    assert "没有找到" in str(exc.value)
    assert workflow.can(users["grid"], Action.START, mine)
    assert not workflow.can(users["grid"], Action.START, theirs)
    for action in (Action.DISPUTE, Action.RETURN, Action.ASSIGN_GRID, Action.CONTRIBUTE):
        assert not workflow.can(users["grid"], action, mine), action
    services.start(mine, by=users["grid"])
    services.complete(mine, by=users["grid"], explanation="已清运", before=[jpeg()], after=[jpeg()])
    assert Case.objects.get(pk=mine.pk).state == "completed"
    with pytest.raises(NotAllowed):
        services.start(theirs, by=users["grid"])
    assert Case.objects.get(pk=theirs.pk).state == "dispatched"


def test_the_station_handler_assigns_another_grid_worker(users):
    case = station_case(users)
    assert access.visible_cases(users["station"]).filter(pk=case.pk).exists()
    grid.assign(case, by=users["station"], worker=users["grid2"])
    case = Case.objects.get(pk=case.pk)
    assert case.grid_worker == users["grid2"]
    assert case.events.latest("at", "id").public_note == "由网格员周八办理"
    assert not access.visible_cases(users["grid"]).filter(pk=case.pk).exists()
    with pytest.raises(ValidationError) as exc:
        grid.assign(case, by=users["station"], worker=users["grid2"])
    assert "已经由这位网格员办理" in str(exc.value)
    with pytest.raises(ValidationError):
        grid.assign(case, by=users["intake"], worker=users["handler"])  # not a grid worker
    assert Case.objects.get(pk=case.pk).version == case.version


def test_only_a_station_case_gets_a_grid_worker(users):
    case = case_in("dispatched", users)
    with pytest.raises(ValidationError) as exc:
        grid.assign(case, by=users["intake"], worker=users["grid"])
    assert "社区工作站" in str(exc.value)
    with pytest.raises(NotAllowed):
        grid.assign(station_case(users), by=users["handler"], worker=users["grid2"])  # 物业科


def test_reassigning_away_from_the_station_clears_the_grid_worker(users):
    case = station_case(users)
    dispatching.reassign(case, by=users["intake"], department=dept("sanitation"), reason="需环卫所清运")
    case = Case.objects.get(pk=case.pk)
    assert case.grid_worker is None
    assert not access.visible_cases(users["grid"]).filter(pk=case.pk).exists()


def test_a_building_is_given_once_per_community(users):
    zhuzhi = Community.objects.get(code="zhuzhi")
    row = grid.assign_building(user=users["grid2"], community=zhuzhi, building_text="三号楼")
    assert row.building == "3" and GridAssignment.objects.filter(community=zhuzhi, building="3").count() == 1
    with pytest.raises(ValidationError):
        grid.assign_building(user=users["grid2"], community=zhuzhi, building_text="菜市场")
    with pytest.raises(ValidationError):
        grid.assign_building(user=users["handler"], community=zhuzhi, building_text="7栋")


def test_a_completion_sent_twice_with_its_key_completes_once(users):
    from cases import idempotency

    case = station_case(users)
    services.start(case, by=users["grid"])
    claim = idempotency.Claim(scope="grid:complete:test", key="k" * 20, fingerprint="f")
    _done, replayed = grid.complete_once(
        claim, case, by=users["grid"], explanation="已修好", before=[jpeg()], after=[jpeg()]
    )
    assert not replayed
    stale = Case.objects.get(pk=case.pk)
    again, replayed = grid.complete_once(
        claim, stale, by=users["grid"], explanation="已修好", before=[jpeg()], after=[jpeg()]
    )
    assert replayed and again.pk == case.pk
    assert Case.objects.get(pk=case.pk).resolutions.count() == 1


def test_the_admin_stores_the_building_as_addresses_read_it(client, users):
    client.force_login(users["admin"])
    zhuzhi = Community.objects.get(code="zhuzhi")
    url = "/admin/cases/gridassignment/add/"
    response = client.post(
        url, {"user": users["grid2"].pk, "community": zhuzhi.pk, "building_text": "七号楼"}
    )
    assert response.status_code == 302
    assert GridAssignment.objects.get(community=zhuzhi, building="7").user == users["grid2"]
    taken = client.post(url, {"user": users["grid"].pk, "community": zhuzhi.pk, "building_text": "7栋"})
    assert taken.status_code == 200 and "已经分给了网格员" in taken.content.decode()
    not_grid = client.post(url, {"user": users["handler"].pk, "community": zhuzhi.pk, "building_text": "8栋"})
    assert not_grid.status_code == 200 and not GridAssignment.objects.filter(building="8").exists()
