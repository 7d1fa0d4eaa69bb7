"""The need data pages: the import with its row-by-row report (nothing written when any
row is bad), the list by area in keyset pages, the school page's card, the links."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.extensions import db
from mhst.need.models import LsoaDeprivation, SchoolNeed


@pytest.fixture
def lead(world, auth):
    auth.sign_in(world.users[Role.CLINICAL_LEAD].email)
    return world.users[Role.CLINICAL_LEAD]


def upload(auth, content: str | bytes, filename="need.csv"):
    data = content.encode() if isinstance(content, str) else content
    return auth.post(
        "/need/import", {"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
    )


def need_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(SchoolNeed))


def test_the_import_page_documents_the_public_headers(lead, client):
    page = client.get("/need/import").get_data(as_text=True)
    assert "<code>% of pupils known to be eligible for free school meals</code>" in page
    assert "<code>LSOA code (2021)</code>" in page
    assert 'enctype="multipart/form-data"' in page


def test_a_good_file_imports_and_the_list_and_school_page_show_it(lead, world, auth, client):
    db.session.add(LsoaDeprivation(lsoa_code="E01900001", imd_decile=2))
    db.session.commit()
    a1, a2 = world.school_a1, world.school_a2
    response = upload(
        auth,
        "URN,FSM %,LSOA code,Survey name,Survey year,Low wellbeing %\n"
        f"{a1.urn},41.2,E01900001,Invented Schools Survey,2025,22.5\n"
        f"{a2.urn},8,,,,\n",
        filename="need-2026.csv",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/need/"
    listing = client.get("/need/").get_data(as_text=True)
    assert "Indicators of need imported for 2 schools: 2 new, 0 replaced." in listing
    soup = BeautifulSoup(listing, "html.parser")
    row = next(r for r in soup.select("tbody tr") if a1.name in r.get_text())
    cells = [c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])]
    assert cells[3:6] == ["41.2%", "2", "Invented Schools Survey 2025"]
    assert db.session.get(SchoolNeed, a1.id).source == "need-2026.csv"
    page = client.get(f"/schools/{a1.id}").get_data(as_text=True)
    card = BeautifulSoup(page, "html.parser").find(id="need").get_text(" ", strip=True)
    assert "41.2% (40% or more)" in card
    assert "Decile 2 of 10" in card
    assert "E01900001" in card
    assert "need-2026.csv" in card


def test_any_bad_row_imports_nothing_and_every_problem_is_listed(lead, world, auth):
    a1 = world.school_a1
    response = upload(
        auth, f"URN,FSM %,IMD decile\n{a1.urn},20,3\n999999,20,3\n{a1.urn},20,3\n123456,abc,0\n"
    )
    assert response.status_code == 400
    assert need_rows() == 0
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    rows = [
        [c.get_text(strip=True) for c in tr.find_all("td")]
        for tr in soup.select("#problems tbody tr")
    ]
    # The file's own problems and the register's (the unknown URN), in the file's order.
    assert [r[0] for r in rows] == ["3", "4", "5", "5"]
    assert "No school with URN 999999 is on the register" in rows[0][3]
    assert "3 rows have problems, so nothing was imported" in soup.get_text()
    # With the file's own rows right, the register's check names the unknown URN.
    second = upload(auth, f"URN,FSM %\n{a1.urn},20\n999999,20\n")
    text = BeautifulSoup(second.get_data(as_text=True), "html.parser").get_text(" ")
    assert "No school with URN 999999 is on the register" in text
    assert need_rows() == 0


def test_a_pupil_level_file_is_refused_on_the_file_field(lead, world, auth):
    response = upload(auth, f"URN,UPN,FSM %\n{world.school_a1.urn},A123456789012,20\n")
    assert response.status_code == 400
    assert "only school-level figures" in response.get_data(as_text=True)
    assert need_rows() == 0


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "need.csv", "The selected file is empty"),
        (b"URN,FSM %\n1,2\n", "need.xlsx", "must be a CSV"),
        (b"PK\x03\x04rest", "need.csv", "spreadsheet workbook"),
    ],
)
def test_unusable_uploads_are_refused(lead, auth, content, filename, message):
    response = upload(auth, content, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_sending_the_same_file_twice_keeps_one_row_per_school(lead, world, auth):
    body = f"URN,FSM %\n{world.school_a1.urn},12.5\n"
    assert upload(auth, body).status_code == 302
    assert upload(auth, body).status_code == 302
    assert need_rows() == 1
    assert db.session.get(SchoolNeed, world.school_a1.id).fsm_percent == Decimal("12.5")


def test_the_list_filters_by_area_and_refuses_an_unknown_one(lead, world, client):
    page = client.get(f"/need/?area={world.area_b.id}").get_data(as_text=True)
    assert world.school_b1.name in page
    assert world.school_a1.name not in page
    assert client.get("/need/?area=abc").status_code == 400


def test_the_list_pages_by_keyset_with_constant_queries(
    lead, world, client, make_school, count_queries
):
    def queries(path):
        before = len(count_queries())
        assert client.get(path).status_code == 200
        return len(count_queries()) - before

    small = queries("/need/")
    for number in range(30):
        school = make_school(f"Zed school {number:02d}")
        db.session.add(SchoolNeed(school_id=school.id, fsm_percent=Decimal(number)))
    db.session.commit()
    assert queries("/need/") == small
    last = client.get("/need/?page=last").get_data(as_text=True)
    assert "Zed school 29" in last
    assert "29.0%" in last


def test_links_from_the_navigation_and_the_rollout_page(lead, client):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/need/"' in home
    assert 'href="/need/"' in client.get("/rollout/").get_data(as_text=True)


def test_a_school_lead_sees_the_card_but_not_the_list(world, auth, client):
    auth.sign_in(world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD].email)
    page = client.get(f"/schools/{world.school_a1.id}").get_data(as_text=True)
    assert "No indicators of need have been imported for this school." in page
    assert 'href="/need/"' not in page
    assert 'href="/need/import"' not in page
    assert client.get("/need/").status_code == 403


DEPRIVATION_FILE = (
    "LSOA code (2021),LSOA name (2021),Index of Multiple Deprivation (IMD) Decile\n"
    "E01900001,Invented 001A,3\nE01900002,Invented 001B,8\n"
)


def upload_deprivation(auth, content: str, filename="File_1_IoD.csv"):
    return auth.post(
        "/need/deprivation",
        {"file": (io.BytesIO(content.encode()), filename)},
        content_type="multipart/form-data",
    )


def test_the_deprivation_page_loads_the_file_all_or_nothing(lead, auth, client):
    assert upload_deprivation(auth, DEPRIVATION_FILE).status_code == 302
    page = client.get("/need/deprivation").get_data(as_text=True)
    assert "Deprivation deciles loaded for 2 areas (LSOAs)." in page
    loaded = dict(
        db.session.execute(select(LsoaDeprivation.lsoa_code, LsoaDeprivation.imd_decile)).all()
    )
    assert loaded == {"E01900001": 3, "E01900002": 8}
    response = upload_deprivation(
        auth, "LSOA code (2021),IMD decile\nE01900003,4\nE01900004,eleven\n"
    )
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert (
        "Nothing loaded: 1 problem in the file"
        in soup.select_one(".nhsuk-error-summary").get_text()
    )
    cells = [td.get_text(strip=True) for td in soup.select("#problems td")]
    assert cells[0] == "3"
    assert "from 1 to 10" in cells[1]
    assert db.session.scalar(select(func.count()).select_from(LsoaDeprivation)) == 2


def test_the_deprivation_page_refuses_a_file_without_its_columns(lead, auth):
    response = upload_deprivation(auth, "URN,FSM %\n123456,10\n")
    assert response.status_code == 400
    assert "needs an LSOA code column" in response.get_data(as_text=True)
