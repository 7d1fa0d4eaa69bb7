"""Two people saving one school's details at the same moment: one save is kept, the other
is refused with a clear message, and neither silently reverts the other."""

from mhst.schools.models import School
from tests.concurrency.client import simultaneously


def test_simultaneous_school_edits_keep_one_and_refuse_the_other(live):
    school_id = live.run(lambda: live.world().school_b2.id)
    first, second = (live.client("admin@test.example") for _ in range(2))
    path = f"/schools/{school_id}/edit"
    page_one, page_two = first.get(path), second.get(path)
    assert page_one.hidden("version") == page_two.hidden("version")
    read_version = int(page_one.hidden("version"))

    def form(page, name: str) -> dict[str, str]:
        urn, area_id = live.run(lambda: _urn_and_area(school_id))
        return {
            "version": page.hidden("version"),
            "name": name,
            "urn": urn,
            "phase": "secondary",
            "area_id": str(area_id),
            "local_authority": "",
            "pupils_on_roll": "600",
            "team_id": "",
        }

    replies = simultaneously(
        lambda: first.post(path, form(page_one, "Renamed by the first"), token_from=page_one),
        lambda: second.post(path, form(page_two, "Renamed by the second"), token_from=page_two),
    )
    statuses = sorted(reply.status for reply in replies)
    assert statuses == [302, 400], [reply.status for reply in replies]
    kept = "Renamed by the first" if replies[0].status == 302 else "Renamed by the second"
    refused = replies[0] if replies[0].status == 400 else replies[1]
    assert "Someone else changed" in refused.text
    name, version = live.run(lambda: _name_and_version(school_id))
    assert (name, version) == (kept, read_version + 1)


def _urn_and_area(school_id: int) -> tuple[str, int]:
    from mhst.extensions import db

    school = db.session.get(School, school_id)
    return school.urn, school.area_id


def _name_and_version(school_id: int) -> tuple[str, int]:
    from mhst.extensions import db

    school = db.session.get(School, school_id)
    return school.name, school.version
