import pytest

from operations.demo import DEMO_PASSWORD


def post_json(client, url, data=None, **kwargs):
    return client.post(url, data if data is not None else {}, content_type="application/json", **kwargs)


@pytest.fixture
def token_for(client, users):
    """token_for("intake") -> headers with a fresh bearer token for that demo account."""

    def get(username: str) -> dict:
        response = post_json(client, "/api/v1/auth/token", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 200, response.content
        return {"Authorization": f"Bearer {response.json()['token']}"}

    return get
