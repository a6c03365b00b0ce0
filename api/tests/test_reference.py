from cases.models import Category


def test_categories_list_active_ones_with_time_limits(client, users):
    Category.objects.filter(code="other").update(is_active=False)
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()}
    assert rows["infrastructure"] == {
        "code": "infrastructure",
        "name": "基础设施维修",
        "description": "楼道灯、水龙头、水管、门窗等损坏",
        "time_limit_hours": 48,
    }
    assert "other" not in rows


def test_communities_and_departments(client, users):
    communities = {row["code"]: row["name"] for row in client.get("/api/v1/communities").json()}
    assert communities["mingliang"] == "明良社区"
    assert communities["zhuzhi"] == "竹枝社区"
    departments = {row["code"]: row["name"] for row in client.get("/api/v1/departments").json()}
    assert departments["property"] == "物业科"


def test_json_is_utf8_not_escaped(client, users):
    response = client.get("/api/v1/communities")
    assert "明良社区".encode() in response.content
