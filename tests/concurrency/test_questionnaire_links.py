"""A questionnaire link answered twice at the same moment (two phones, or a double tap)
makes one measure: the link's row is locked and its state checked again inside the lock,
so the second submission finds it used."""

from __future__ import annotations

from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.extensions import db
from mhst.outcomes.models import MeasureRecord
from mhst.questionnaires import links
from tests.concurrency.client import LiveClient, simultaneously


def _new_link(live) -> tuple[str, int]:
    def make():
        world = live.world()
        wanted = links.LinkRequest("GBO", "child", "qr_code", shown_name="Casey")
        link, token, _ = links.create_link(world.case_a1, wanted, by=world.users[Role.EMHP])
        db.session.commit()
        return token, link.id

    return live.run(make)


def _records_from(live, link_id: int) -> tuple[int, bool]:
    def read():
        link = db.session.get(links.QuestionnaireLink, link_id)
        count = db.session.scalar(
            select(func.count(MeasureRecord.id)).where(
                MeasureRecord.referral_id == link.referral_id, MeasureRecord.online.is_(True)
            )
        )
        return count, link.used_at is not None

    return live.run(read)


def test_a_link_answered_twice_at_once_makes_one_measure(live):
    before, _ = _records_from(live, _new_link(live)[1])
    for attempt in range(1, 4):
        token, link_id = _new_link(live)
        phones = [LiveClient(live.base_url), LiveClient(live.base_url)]
        pages = [phone.get(f"/q/{token}") for phone in phones]
        assert [page.status for page in pages] == [200, 200]
        replies = simultaneously(
            *(
                lambda phone=phone, page=page, token=token: phone.post(
                    f"/q/{token}", {"item_1": "6"}, token_from=page
                )
                for phone, page in zip(phones, pages, strict=True)
            )
        )
        assert sorted(reply.status for reply in replies) == [302, 410]
        winner = next(reply for reply in replies if reply.status == 302)
        assert winner.location == "/q/answered"
        loser = next(reply for reply in replies if reply.status == 410)
        assert "This link has already been used" in loser.text
        count, used = _records_from(live, link_id)
        assert used
        assert count == before + attempt
