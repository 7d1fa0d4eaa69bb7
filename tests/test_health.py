"""/healthz answers 200 when the database answers and 503 when it does not."""

import pytest

from config import TestConfig
from mhst import create_app


def test_healthy(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-directory/for/mhst.sqlite3",
        "postgresql+psycopg://postgres@127.0.0.1:1/mhst?connect_timeout=2",
    ],
)
def test_unhealthy_when_the_database_does_not_answer(url):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
