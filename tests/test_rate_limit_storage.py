"""Sign-in rate limits are kept in Redis when a Redis URL is configured.

The check runs in a separate Python process: Flask-Limiter keeps its storage on the one
module-level ``limiter``, and rebinding it here would change the other tests' app.
"""

import json
import os
import subprocess
import sys
import textwrap
import uuid

import pytest
import redis

from tests.conftest import in_ci

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

SCRIPT = textwrap.dedent(
    """
    import json, re, sys
    from config import TestConfig
    from mhst import create_app
    from mhst.migrate import upgrade

    database, redis_url, prefix = sys.argv[1:4]
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database,
        RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=prefix,
        SIGN_IN_RATE_LIMIT="3 per minute",
    )
    with app.app_context():
        upgrade()
    statuses = []
    for _ in range(4):
        client = app.test_client()  # a new client each time: the limit is per address
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)[1]
        response = client.post(
            "/sign-in", data={"email": "a@b.example", "password": "wrong", "csrf_token": token}
        )
        statuses.append(response.status_code)
    print(json.dumps(statuses))
    """
)


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        if in_ci():
            pytest.fail(f"Redis is not reachable at {REDIS_URL}: {error}", pytrace=False)
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    yield client
    client.close()


def test_sign_in_limits_are_counted_in_redis(redis_client, tmp_path):
    prefix = f"mhst-test-{uuid.uuid4().hex}"
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", SCRIPT, f"sqlite:///{tmp_path / 'limits.db'}", REDIS_URL, prefix],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=os.path.dirname(os.path.dirname(__file__)),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [401, 401, 401, 429]
    keys = redis_client.keys(f"*LIMITER/{prefix}/*")
    assert keys, "the counts were not stored in Redis"
    redis_client.delete(*keys)
