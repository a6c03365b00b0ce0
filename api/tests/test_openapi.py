def test_the_openapi_document_lists_the_contract(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for path in [
        "/api/v1/auth/token",
        "/api/v1/categories",
        "/api/v1/communities",
        "/api/v1/departments",
        "/api/v1/cases",
        "/api/v1/cases/{number}",
        "/api/v1/cases/{number}/accept",
        "/api/v1/cases/{number}/reject",
        "/api/v1/cases/{number}/dispatch",
        "/api/v1/cases/{number}/return",
        "/api/v1/cases/{number}/start",
        "/api/v1/cases/{number}/complete",
        "/api/v1/cases/{number}/rating",
        "/api/v1/queue",
    ]:
        assert path in paths, path
    submit = paths["/api/v1/cases"]["post"]["requestBody"]["content"]
    assert set(submit) == {"application/json", "multipart/form-data"}
    assert "photos" in submit["multipart/form-data"]["schema"]["properties"]
    assert "TokenAuth" in doc["components"]["securitySchemes"]
    assert paths["/api/v1/queue"]["get"]["security"] == [{"TokenAuth": []}]


def test_the_docs_page_loads_nothing_from_a_cdn(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "https://" not in html
