"""One authenticator or recovery code sent twice at the same moment (two app servers, two
browsers, a replayed request) signs in once: the user's row lock makes the second check
wait for the first and then find the code used."""

from __future__ import annotations

from itertools import count

import pyotp
from sqlalchemy import select

from mhst.accounts import mfa
from mhst.accounts.models import Role, User
from mhst.extensions import db
from tests.concurrency.client import LiveClient, Reply, simultaneously
from tests.conftest import PASSWORD, TOTP_SECRET, new_user

_numbers = count(1)


def _half_signed_in(live, email: str) -> tuple[LiveClient, Reply]:
    """A client past the password, with the second step's page (and its token)."""
    client = LiveClient(live.base_url)
    page = client.get("/sign-in")
    reply = client.post("/sign-in", {"email": email, "password": PASSWORD}, token_from=page)
    assert reply.status == 302, reply.status
    return client, client.get(reply.location)


def _new_user(live) -> str:
    email = f"twice{next(_numbers)}@test.example"
    live.run(lambda: new_user(Role.COMMISSIONER, email=email))
    return email


def test_one_authenticator_code_sent_twice_at_once_signs_in_once(live):
    for _ in range(3):  # a race lost once could be luck: three rounds
        email = _new_user(live)
        (first, first_page), (second, second_page) = (_half_signed_in(live, email) for _ in "ab")
        code = pyotp.TOTP(TOTP_SECRET).now()
        replies = simultaneously(
            *(
                lambda client=client, page=page, code=code: client.post(
                    "/sign-in/code", {"code": code}, token_from=page
                )
                for client, page in ((first, first_page), (second, second_page))
            )
        )
        assert sorted(reply.status == 302 for reply in replies) == [False, True]


def test_one_recovery_code_sent_twice_at_once_signs_in_once(live):
    for _ in range(3):
        email = _new_user(live)

        def make_codes() -> list[str]:
            user = db.session.scalars(select(User).filter_by(email=email)).one()  # noqa: B023
            codes = mfa._new_recovery_codes(user)
            db.session.commit()
            return codes

        recovery = live.run(make_codes)[0]
        pages = [_half_signed_in(live, email) for _ in "ab"]
        pages = [(client, client.get("/sign-in/recovery-code")) for client, _ in pages]
        replies = simultaneously(
            *(
                lambda client=client, page=page, recovery=recovery: client.post(
                    "/sign-in/recovery-code", {"code": recovery}, token_from=page
                )
                for client, page in pages
            )
        )
        assert sorted(reply.status == 302 for reply in replies) == [False, True]
