"""Importing schools from CSV: every row checked, all or nothing, re-import updates by URN."""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.audit.operations import names_any
from mhst.extensions import db
from mhst.schools.import_file import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    ImportRow,
    UnreadableFile,
    decode_upload,
    parse_schools_csv,
)
from mhst.schools.models import ParticipationStatus, School, SchoolPhase
from tests.audit_reads import named_ids

# The first columns of a national register (GIAS) extract, as it names them.
GIAS_HEADER = (
    "URN,LA (code),LA (name),EstablishmentNumber,EstablishmentName,"
    "TypeOfEstablishment (name),PhaseOfEducation (name),NumberOfPupils"
)


def gias_row(urn, name, type_, phase, pupils="", la="Leicester") -> str:
    return f"{urn},856,{la},1234,{name},{type_},{phase},{pupils}"


def gias(*rows: str) -> str:
    return "\r\n".join([GIAS_HEADER, *rows]) + "\r\n"


# ---------------------------------------------------------------- reading the file


def test_national_register_headers_and_values_are_read():
    rows, problems = parse_schools_csv(
        gias(
            gias_row("120001", "Braunstone Primary", "Community school", "Primary", "420"),
            gias_row("120002", "Ash Field Academy", "Academy special converter", "Not applicable"),
            gias_row("120003", "Oakfield PRU", "Pupil referral unit", "Not applicable", "35"),
            gias_row("120004", "City College", "Further education", "16 plus", '"9,500"'),
        )
    )
    assert problems == []
    assert rows == [
        ImportRow(2, "120001", "Braunstone Primary", SchoolPhase.PRIMARY, "Leicester", 420),
        ImportRow(3, "120002", "Ash Field Academy", SchoolPhase.SPECIAL, "Leicester", None),
        ImportRow(4, "120003", "Oakfield PRU", SchoolPhase.ALTERNATIVE_PROVISION, "Leicester", 35),
        ImportRow(5, "120004", "City College", SchoolPhase.COLLEGE, "Leicester", 9500),
    ]


def test_friendly_headers_in_any_case_and_optional_columns_absent():
    rows, problems = parse_schools_csv("urn,NAME,phase\n123456,  Hill   School ,SECONDARY\n")
    assert problems == []
    assert rows == [ImportRow(2, "123456", "Hill School", SchoolPhase.SECONDARY, None, None)]


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        ("Primary", SchoolPhase.PRIMARY),
        ("Middle deemed primary", SchoolPhase.PRIMARY),
        ("Secondary", SchoolPhase.SECONDARY),
        ("Middle deemed secondary", SchoolPhase.SECONDARY),
        ("All-through", SchoolPhase.ALL_THROUGH),
        ("all_through", SchoolPhase.ALL_THROUGH),
        ("Special", SchoolPhase.SPECIAL),
        ("Alternative provision", SchoolPhase.ALTERNATIVE_PROVISION),
        ("16 plus", SchoolPhase.COLLEGE),
        ("College", SchoolPhase.COLLEGE),
    ],
)
def test_phase_names_are_mapped(phase, expected):
    rows, problems = parse_schools_csv(f"URN,Name,Phase\n123456,A School,{phase}\n")
    assert problems == []
    assert rows[0].phase is expected


@pytest.mark.parametrize(
    ("phase", "type_", "message"),
    [
        ("Nursery", "Local authority nursery school", "Nursery schools are outside"),
        ("Not applicable", "Online provider", 'The phase is "Not applicable"'),
        ("Infant", "Community school", '"Infant" is not a phase this service knows'),
        ("", "Community school", "Enter the school's phase"),
    ],
)
def test_phases_that_cannot_be_placed_are_problems(phase, type_, message):
    rows, problems = parse_schools_csv(gias(gias_row("120001", "A School", type_, phase)))
    assert rows == []
    assert [(p.row, p.urn, p.column) for p in problems] == [
        (2, "120001", "PhaseOfEducation (name)")
    ]
    assert message in problems[0].message


def test_every_problem_in_every_row_is_reported_and_no_rows_returned():
    rows, problems = parse_schools_csv(
        gias(
            gias_row("120001", "Good School", "Community school", "Primary", "100"),
            gias_row("12345", "", "Community school", "Primary", "-4"),
            "",  # a blank row is skipped but still counted, as a spreadsheet numbers it
            gias_row("120001", "Twin School", "Community school", "Secondary", "2.5"),
            gias_row("", "No URN School", "Community school", "Primary", "100001"),
            gias_row("120005", "X" * 201, "Community school", "Primary", ""),
        )
    )
    assert rows == []  # all or nothing
    assert [(p.row, p.urn, p.column, p.message) for p in problems] == [
        (3, "12345", "URN", "Enter the URN as 6 digits, like 120345"),
        (3, "12345", "EstablishmentName", "Enter the school's name"),
        (
            3,
            "12345",
            "NumberOfPupils",
            "Pupils on roll must be a whole number, 0 or more, like 420",
        ),
        (5, "120001", "URN", "URN 120001 is also on row 2; keep one of them"),
        (
            5,
            "120001",
            "NumberOfPupils",
            "Pupils on roll must be a whole number, 0 or more, like 420",
        ),
        (6, "", "URN", "Enter the school's URN"),
        (6, "", "NumberOfPupils", "Pupils on roll must be 100,000 or fewer"),
        (7, "120005", "EstablishmentName", "The name must be 200 characters or fewer"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The selected file is empty"),
        ("\n\n", "The selected file is empty"),
        ("URN,Name,Phase\n", "The file has a header row but no schools"),
        ("URN;Name;Phase\n123456;A;Primary\n", "The file has no URN column"),
        ("URN,Name\n123456,A\n", 'The file has no Phase column. Name it "PhaseOfEducation (name)"'),
        ("URN,Name,Phase,EstablishmentName\n", "The file has two columns for name"),
        ('URN,Name,Phase\n"123456,A,Primary\n', None),  # an unclosed quote: one odd cell
    ],
)
def test_file_level_problems(text, message):
    rows, problems = parse_schools_csv(text)
    assert rows == []
    if message is None:
        assert problems  # reported, never an exception
    else:
        assert [p.row for p in problems] == [None] * len(problems)
        assert message in problems[0].message


def test_missing_columns_are_all_listed():
    _, problems = parse_schools_csv("Name\nA School\n")
    assert [p.message.split(".")[0] for p in problems] == [
        "The file has no URN column",
        "The file has no Phase column",
    ]


def test_more_than_the_row_limit_is_refused():
    body = "".join(f"{100000 + n},School {n},Primary\n" for n in range(MAX_ROWS + 1))
    rows, problems = parse_schools_csv("URN,Name,Phase\n" + body)
    assert rows == []
    assert [p.message for p in problems] == [
        "The file has 5,001 schools; import 5,000 or fewer at a time by splitting it into "
        "smaller files"
    ]
    rows, problems = parse_schools_csv("URN,Name,Phase\n" + body.split("\n", 1)[1])
    assert (len(rows), problems) == (MAX_ROWS, [])


def test_decoding_utf8_with_bom_and_windows_1252():
    assert decode_upload("\ufeffURN,Name\n".encode()) == "URN,Name\n"
    assert decode_upload("St Mary\u2019s".encode("cp1252")) == "St Mary\u2019s"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The selected file is empty"),
        (b"  \r\n", "The selected file is empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "spreadsheet workbook, not a CSV file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a CSV file"),
        ("URN,Name".encode("utf-16"), "is not a CSV file"),
        (b"URN,Name\x81\x8d", "could not be read as text"),
    ],
)
def test_files_that_are_not_text_csv_are_refused(data, message):
    with pytest.raises(UnreadableFile, match=message):
        decode_upload(data)


# ---------------------------------------------------------------- the import page


@pytest.fixture
def admin(world, auth):
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    return world.users[Role.ADMINISTRATOR]


def upload(auth, world, content: str | bytes, *, filename="schools.csv", **fields):
    data = content.encode() if isinstance(content, str) else content
    form = {
        "file": (io.BytesIO(data), filename),
        "area_id": str(world.area_a.id),
        "team_id": "",
        **fields,
    }
    return auth.post("/schools/import", form, content_type="multipart/form-data")


def school_count() -> int:
    return db.session.scalar(select(func.count(School.id)))


def by_urn(urn: str) -> School:
    return db.session.scalars(select(School).where(School.urn == urn)).one()


def flash_text(client) -> str:
    return client.get("/schools/").get_data(as_text=True)


def test_page_documents_the_accepted_headers_and_phase_mapping(admin, client):
    page = client.get("/schools/import").get_data(as_text=True)
    for heading in ("EstablishmentName", "PhaseOfEducation (name)", "LA (name)", "NumberOfPupils"):
        assert f"<code>{heading}</code>" in page
    assert "Middle deemed secondary" in page
    assert 'enctype="multipart/form-data"' in page


def test_a_valid_file_adds_schools_then_reimport_updates_them_by_urn(admin, world, auth, client):
    before = school_count()
    response = upload(
        auth,
        world,
        gias(
            gias_row("120001", "Braunstone Primary", "Community school", "Primary", "420"),
            gias_row("120002", "Ash Field Academy", "Academy special converter", "Not applicable"),
        ),
        team_id=str(world.team_a.id),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/schools/"
    assert "2 schools added, 0 updated." in flash_text(client)
    assert school_count() == before + 2
    school = by_urn("120001")
    assert (school.name, school.phase, school.local_authority, school.pupils_on_roll) == (
        "Braunstone Primary",
        SchoolPhase.PRIMARY,
        "Leicester",
        420,
    )
    assert (school.area_id, school.team_id) == (world.area_a.id, world.team_a.id)
    assert school.participation_status is ParticipationStatus.NOT_PARTICIPATING
    special = by_urn("120002")
    assert (special.phase, special.pupils_on_roll) == (SchoolPhase.SPECIAL, None)

    # Re-import, into another area and with no team: existing schools keep both; one
    # school changes, one does not, and a third is new.
    response = upload(
        auth,
        world,
        gias(
            gias_row("120001", "Braunstone Primary Academy", "Academy converter", "Primary", ""),
            gias_row("120002", "Ash Field Academy", "Academy special converter", "Not applicable"),
            gias_row("120003", "Hill Secondary", "Community school", "Secondary", "900", la=""),
        ),
        area_id=str(world.area_b.id),
    )
    assert response.status_code == 302
    assert "1 school added, 1 updated, 1 unchanged." in flash_text(client)
    assert school_count() == before + 3
    school = by_urn("120001")
    assert (school.name, school.pupils_on_roll) == ("Braunstone Primary Academy", 420)
    assert (school.area_id, school.team_id) == (world.area_a.id, world.team_a.id)
    new = by_urn("120003")
    assert (new.area_id, new.team_id, new.local_authority) == (
        world.area_b.id,
        None,
        world.area_b.name,  # a blank local authority defaults to the area's name
    )

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == "school").order_by(AuditEvent.id)
    ).all()
    events = [(event.action, record_id) for event in events for record_id in named_ids([event])]
    ids = {urn: str(by_urn(urn).id) for urn in ("120001", "120002", "120003")}
    assert sorted(events) == sorted(
        [
            (AuditAction.CREATE, ids["120001"]),
            (AuditAction.CREATE, ids["120002"]),
            (AuditAction.UPDATE, ids["120001"]),
            (AuditAction.CREATE, ids["120003"]),
        ]
    )


URN_RUNS = ((610000, 10), (620000, 50))  # (first URN, rows) for the query-count test


def test_the_queries_do_not_grow_with_the_rows(admin, world, auth, count_queries):
    """Adding or updating 50 schools takes as many queries as 10: nothing is per row."""

    def import_file(first_urn: int, rows: int, *, renamed: bool) -> int:
        body = "".join(
            f"{first_urn + n},{'Renamed ' if renamed else ''}School {n},Primary,"
            f"{'Rutland' if renamed else 'Leicester'},{100 + n + (5 if renamed else 0)}\n"
            for n in range(rows)
        )
        auth.csrf_token("/schools/import")  # the form's page, before what is counted
        before = len(count_queries())
        response = upload(
            auth,
            world,
            "URN,Name,Phase,Local authority,Pupils on roll\n" + body,
            team_id=str(world.team_a.id),
        )
        assert response.status_code == 302
        return len(count_queries()) - before

    added = {rows: import_file(first, rows, renamed=False) for first, rows in URN_RUNS}
    updated = {rows: import_file(first, rows, renamed=True) for first, rows in URN_RUNS}
    assert added[10] == added[50]
    assert updated[10] == updated[50]

    # Every school was written, and audited once per import as the user, from their address.
    schools = db.session.scalars(select(School).where(School.urn.like("6_____"))).all()
    assert len(schools) == 60
    assert {(s.name.split()[0], s.local_authority, s.team_id) for s in schools} == {
        ("Renamed", "Rutland", world.team_a.id)
    }
    assert by_urn("620049").pupils_on_roll == 100 + 49 + 5
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.record_type == "school")
        .where(names_any([s.id for s in schools]))
    ).all()
    # Entries naming many schools each (a few per import, not one per school).
    assert len(events) < 20
    assert {(e.user_id, e.actor, e.ip_address) for e in events} == {
        (admin.id, admin.email, "127.0.0.1")
    }
    for action in (AuditAction.CREATE, AuditAction.UPDATE):
        named = named_ids([e for e in events if e.action is action])
        assert sorted(named) == sorted(str(s.id) for s in schools)


def test_choosing_a_team_assigns_existing_schools_to_it(admin, world, auth, client):
    urn = world.school_b1.urn
    response = upload(
        auth, world, f"URN,Name,Phase\n{urn},School B1,Primary\n", team_id=str(world.team_a.id)
    )
    assert response.status_code == 302
    school = by_urn(urn)
    assert (school.team_id, school.area_id, school.phase) == (
        world.team_a.id,
        world.area_b.id,
        SchoolPhase.PRIMARY,
    )


def test_a_file_with_bad_rows_writes_nothing_and_reports_each_row(admin, world, auth):
    before = school_count()
    response = upload(
        auth,
        world,
        gias(
            gias_row("120001", "Good School", "Community school", "Primary", "100"),
            gias_row("1200", "Short URN School", "Community school", "Primary", "100"),
            gias_row("120003", "", "Community school", "Secondary", "100"),
            gias_row("120004", "Nursery School", "LA nursery school", "Nursery", "lots"),
            gias_row("120001", "Copy School", "Community school", "Primary", "100"),
        ),
    )
    assert response.status_code == 400
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    summary = [a.get_text(strip=True) for a in page.select(".nhsuk-error-summary__list a")]
    assert summary == [
        "4 rows have problems, so no schools were imported. Correct the file and upload it again"
    ]
    assert page.select_one(".nhsuk-error-summary__list a")["href"] == "#problems"
    table = [
        [cell.get_text(strip=True) for cell in row.find_all("td")]
        for row in page.select("#problems tbody tr")
    ]
    assert table == [
        ["3", "1200", "URN", "Enter the URN as 6 digits, like 120345"],
        ["4", "120003", "EstablishmentName", "Enter the school's name"],
        [
            "5",
            "120004",
            "PhaseOfEducation (name)",
            "Nursery schools are outside the service's age range; remove this row from the file",
        ],
        [
            "5",
            "120004",
            "NumberOfPupils",
            "Pupils on roll must be a whole number, 0 or more, like 420",
        ],
        ["6", "120001", "URN", "URN 120001 is also on row 2; keep one of them"],
    ]
    assert school_count() == before
    assert by_urn(world.school_a1.urn).name == "School A1"
    # The choices made on the form are kept.
    assert page.select_one("#area_id option[selected]")["value"] == str(world.area_a.id)


def test_a_file_wrong_throughout_lists_the_first_500_problems(admin, world, auth):
    body = "".join(f"{n},School {n},Primary\n" for n in range(1000, 1600))
    page = BeautifulSoup(
        upload(auth, world, "URN,Name,Phase\n" + body).get_data(as_text=True), "html.parser"
    )
    assert (
        page.select_one(".nhsuk-error-summary__list a")
        .get_text(strip=True)
        .startswith("600 rows have problems")
    )
    assert page.select_one("#problems caption").get_text(strip=True) == (
        "Problems in the file (the first 500 of 600)"
    )
    assert len(page.select("#problems tbody tr")) == 500


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        ("URN,Name\n123456,A\n", "schools.csv", "The file has no Phase column"),
        ("", "schools.csv", "The selected file is empty"),
        ("URN,Name,Phase\n", "schools.csv", "The file has a header row but no schools"),
        ("URN,Name,Phase\n123456,A,Primary\n", "schools.xlsx", "The selected file must be a CSV"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "schools.csv", "spreadsheet workbook"),
        (b"\x00\x01\x02\xff\xfe binary", "schools.csv", "is not a CSV file"),
    ],
)
def test_unusable_files_are_explained_against_the_file_field(
    admin, world, auth, content, filename, message
):
    before = school_count()
    response = upload(auth, world, content, filename=filename)
    assert response.status_code == 400
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert message in page.select_one("#file-error").get_text()
    assert page.select_one(".nhsuk-error-summary__list a")["href"] == "#file"
    assert school_count() == before


def test_missing_columns_are_each_in_the_error_summary(admin, world, auth):
    response = upload(auth, world, "Name,Local authority\nA School,Leicester\n")
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    summary = [a.get_text(strip=True) for a in page.select(".nhsuk-error-summary__list a")]
    assert [s.split(".")[0] for s in summary] == [
        "The file has no URN column",
        "The file has no Phase column",
    ]


def test_no_file_and_no_area(admin, auth):
    response = auth.post(
        "/schools/import", {"area_id": "", "team_id": ""}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    summary = [
        (a["href"], a.get_text(strip=True)) for a in page.select(".nhsuk-error-summary__list a")
    ]
    assert summary == [
        ("#file", "Select a CSV file of schools"),
        ("#area_id", "Select the area new schools belong to"),
    ]


@pytest.mark.parametrize(("field", "value"), [("area_id", "999999"), ("team_id", "abc")])
def test_unknown_area_or_team(admin, world, auth, field, value):
    response = upload(auth, world, "URN,Name,Phase\n123456,A,Primary\n", **{field: value})
    assert response.status_code == 400
    assert "from the list" in response.get_data(as_text=True)
    assert db.session.scalars(select(School).where(School.urn == "123456")).all() == []


@pytest.mark.parametrize("extra_bytes", [1, 100_000])  # caught reading it; by the request size
def test_a_file_over_2_mb_is_refused(admin, world, auth, client, extra_bytes):
    content = b"x" * (MAX_FILE_BYTES + extra_bytes)
    # Encoded here, in memory: the test client would spool a body this size to a
    # temporary file that it leaves open.
    boundary, body = encode_multipart(
        {
            "csrf_token": auth.csrf_token("/"),
            "file": FileStorage(io.BytesIO(content), "schools.csv"),
            "area_id": str(world.area_a.id),
        }
    )
    response = client.post(
        "/schools/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400
    assert "The selected file must be smaller than 2 MB" in response.get_data(as_text=True)


def test_more_than_5000_rows_is_refused(admin, world, auth):
    body = "".join(f"{200000 + n},School {n},Primary\n" for n in range(MAX_ROWS + 1))
    before = school_count()
    response = upload(auth, world, "URN,Name,Phase\n" + body)
    assert response.status_code == 400
    assert "import 5,000 or fewer at a time" in response.get_data(as_text=True)
    assert school_count() == before


def test_a_windows_1252_file_imports(admin, world, auth):
    content = "URN,Name,Phase\r\n123456,St Mary\u2019s Primary,Primary\r\n".encode("cp1252")
    assert upload(auth, world, content).status_code == 302
    assert by_urn("123456").name == "St Mary\u2019s Primary"


def test_only_managers_may_import(world, auth):
    auth.sign_in(world.users[Role.EMHP].email)
    assert upload(auth, world, "URN,Name,Phase\n123456,A,Primary\n").status_code == 403
    assert db.session.scalars(select(School).where(School.urn == "123456")).all() == []


def test_an_import_moves_each_changed_schools_version_on(admin, world, auth):
    """So a school's edit form opened before the import is refused as stale, not saved
    over what the import wrote."""
    school = world.school_a1
    read_version = school.version
    body = f"URN,Name,Phase\n{school.urn},School A1 Renamed,Primary\n"
    assert upload(auth, world, body).status_code == 302
    db.session.expire_all()
    assert by_urn(school.urn).version == read_version + 1
    assert by_urn(world.school_a2.urn).version == world.school_a2.version  # not in the file
