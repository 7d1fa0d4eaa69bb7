"""The deprivation decile through the lookups (given, from the LSOA, from the postcode;
a given decile disagreeing with its LSOA's), the loaders of the lookup tables (streamed,
all or nothing, bad rows reported) and their CLI commands, and writing the import."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.extensions import db
from mhst.need import importer, lookups
from mhst.need.import_file import file_headers, parse_need_csv
from mhst.need.models import LsoaDeprivation, PostcodeLsoa, SchoolNeed

DEPRIVATION = (
    "LSOA code (2021),LSOA name (2021),Index of Multiple Deprivation (IMD) Rank,"
    "Index of Multiple Deprivation (IMD) Decile\n"
    "E01900001,Invented 001A,120,1\n"
    "E01900002,Invented 001B,15000,5\n"
    "E01900003,Invented 002A,32000,10\n"
)
POSTCODES = (
    "pcd7,pcds,oa21cd,lsoa21cd\n"
    "ZZ1 1AA,ZZ1 1AA,E00900001,E01900001\n"
    "ZZ1 1AB,ZZ1 1AB,E00900002,E01900002\n"
    "ZZ9 9ZZ,ZZ9 9ZZ,S00900001,S01900001\n"  # Scotland: no English LSOA, skipped
)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def loaded(app):
    assert lookups.load_deprivation(DEPRIVATION.splitlines(keepends=True)).ok
    assert lookups.load_postcodes(POSTCODES.splitlines(keepends=True)).ok
    db.session.commit()


def test_the_loaders_read_the_public_files_headers(loaded):
    assert dict(
        db.session.execute(select(LsoaDeprivation.lsoa_code, LsoaDeprivation.imd_decile)).all()
    ) == {
        "E01900001": 1,
        "E01900002": 5,
        "E01900003": 10,
    }
    assert dict(
        db.session.execute(select(PostcodeLsoa.postcode, PostcodeLsoa.lsoa_code)).all()
    ) == {
        "ZZ1 1AA": "E01900001",
        "ZZ1 1AB": "E01900002",
    }


def test_a_bad_row_in_a_lookup_file_loads_nothing_and_is_reported(loaded, monkeypatch):
    monkeypatch.setattr(lookups, "BATCH", 2)  # some batches written before the bad row
    report = lookups.load_deprivation(
        (
            "LSOA code (2021),Index of Multiple Deprivation (IMD) Decile\n"
            "E01900011,3\nE01900012,4\nE01900013,5\nE01900011,3\nE01900014,0\nnot-a-code,2\n"
        ).splitlines(keepends=True)
    )
    db.session.rollback()  # as the command does when the report is not ok
    assert not report.ok
    assert report.problem_count == 3
    assert [row for row, _ in report.problems] == [5, 6, 7]
    assert "twice" in report.problems[0][1]
    assert "1 to 10" in report.problems[1][1]
    assert count(LsoaDeprivation) == 3  # the earlier file's rows, untouched


def test_postcode_loader_reports_bad_postcodes_and_area_codes(app):
    report = lookups.load_postcodes(
        (
            "pcds,lsoa21cd\nZZ1 1AA,E01900001\nnonsense,E01900001\nZZ1 1AC,E0190\n"
            "zz11aa,E01900002\n"
        ).splitlines(keepends=True)
    )
    db.session.rollback()
    assert [row for row, _ in report.problems] == [3, 4, 5]
    assert "twice" in report.problems[2][1]


def test_the_commands_load_all_or_nothing(app, tmp_path):
    good, bad = tmp_path / "imd.csv", tmp_path / "bad.csv"
    good.write_text(DEPRIVATION, encoding="utf-8")
    bad.write_text("LSOA code (2021),IMD decile\nE01900009,12\n", encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["need", "load-deprivation", str(good)])
    assert result.exit_code == 0
    assert "3 rows loaded" in result.output
    result = runner.invoke(args=["need", "load-deprivation", str(bad)])
    assert result.exit_code == 1
    assert "Row 2:" in result.output
    assert count(LsoaDeprivation) == 3
    postcodes = tmp_path / "pc.csv"
    postcodes.write_text(POSTCODES, encoding="utf-8")
    result = runner.invoke(args=["need", "load-postcodes", str(postcodes)])
    assert result.exit_code == 0
    assert "2 rows loaded, 1 skipped" in result.output
    missing = runner.invoke(args=["need", "load-postcodes", str(tmp_path / "none.csv")])
    assert missing.exit_code != 0


def _resolve(text: str):
    rows, problems = parse_need_csv(text)
    assert problems == []
    return importer.resolve(rows, file_headers(text))


def test_the_decile_is_given_else_from_the_lsoa_else_from_the_postcode(world, loaded):
    a1, a2, b1, b2 = (world.school_a1, world.school_a2, world.school_b1, world.school_b2)
    resolved, problems = _resolve(
        "URN,IMD decile,LSOA code,Postcode\n"
        f"{a1.urn},7,,\n"
        f"{a2.urn},,E01900003,\n"
        f"{b1.urn},,,zz1 1ab\n"
        f"{b2.urn},1,E01900001,ZZ1 1AB\n"  # agrees with its LSOA (the postcode is not asked)
    )
    assert problems == []
    found = {item.school_id: (item.row.imd_decile, item.row.lsoa_code) for item in resolved}
    assert found == {
        a1.id: (7, None),
        a2.id: (10, "E01900003"),
        b1.id: (5, "E01900002"),
        b2.id: (1, "E01900001"),
    }


def test_unknown_urn_lsoa_postcode_and_a_disagreeing_decile_are_row_problems(world, loaded):
    a1, a2, b1 = world.school_a1, world.school_a2, world.school_b1
    resolved, problems = _resolve(
        "URN,IMD decile,LSOA,Postcode\n"
        "999999,,,\n"
        f"{a1.urn},,E01999999,\n"
        f"{a2.urn},,,ZZ5 5ZZ\n"
        f"{b1.urn},3,,ZZ1 1AA\n"
    )
    assert resolved == []
    found = {(p.row, p.column): p.message for p in problems}
    assert found == {
        (2, "URN"): "No school with URN 999999 is on the register",
        (3, "LSOA"): "LSOA E01999999 is not in the deprivation lookup",
        (4, "Postcode"): "Postcode ZZ5 5ZZ is not in the postcode lookup",
        (5, "IMD decile"): (
            "The IMD decile 3 disagrees with LSOA E01900001 (postcode ZZ1 1AA), whose decile is 1"
        ),
    }


def test_import_replaces_a_schools_row_keeping_who_when_and_the_file(world, loaded):
    admin = world.users[Role.ADMINISTRATOR]
    a1 = world.school_a1
    first, _ = _resolve(f"URN,FSM %,IMD decile,Survey name\n{a1.urn},30,2,Invented survey\n")
    assert importer.import_need(first, source="first.csv", by=admin).added == 1
    db.session.commit()
    again, _ = _resolve(f"URN,FSM %\n{a1.urn},31.5\n")
    result = importer.import_need(again, source="second.csv", by=admin)
    db.session.commit()
    assert (result.added, result.replaced) == (0, 1)
    row = db.session.get(SchoolNeed, a1.id)
    assert (row.fsm_percent, row.imd_decile, row.survey_name) == (Decimal("31.5"), None, None)
    assert (row.source, row.updated_by_id) == ("second.csv", admin.id)
    assert row.updated_at is not None
    actions = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.record_type == AuditRecordType.SCHOOL_NEED,
            AuditEvent.record_id == str(a1.id),
        )
    ).all()
    assert sorted(actions) == sorted([AuditAction.CREATE, AuditAction.UPDATE])
