"""Time the public pages for families (mhst.public) at national size.

Not a test: run it by hand (see bench/README.md)::

    .venv/bin/python bench/bench_public.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/mhst

It creates a fresh PostgreSQL database (named after the URL's, with a random suffix,
dropped afterwards, even after an error), builds it with the migrations and loads, with
INSERT ... SELECT generate_series: 150 areas, 650 teams (each with a public contact),
24,000 schools (60% active, the rest in the other participation statuses; names made of
common words, so a search matches many or few) and ``--services`` children's services
in the signposting directory (default 5,000; 1% urgent, about two concerns each) plus a
fifth as many adult services. It then times, median of ``--repeats`` runs in
milliseconds with the SQL statements sent, each search twice: as the view fetches it
(mhst.public.queries) and as a whole page through the Flask test client; and prints
each search's page query's plan (EXPLAIN ANALYZE).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select, text  # noqa: E402

from bench.bench_lists import _copy_rows, fresh_database, median_and_count  # noqa: E402
from mhst.directory.models import DirectoryService, DirectoryTable  # noqa: E402
from mhst.extensions import db  # noqa: E402
from mhst.organisation.models import ServiceArea  # noqa: E402
from mhst.public import queries  # noqa: E402
from mhst.schools.models import School  # noqa: E402
from tests.conftest import new_area, new_school, new_team  # noqa: E402

WORDS = "ARRAY['Oak','Ash','Birch','Elm','Willow','Cedar','Maple','Rowan','Hazel','Holly']"
PLACES = "ARRAY['Park','Lane','Hill','Road','Green','Fields','Vale','Brook','Grove','Heath']"
KINDS = (
    "ARRAY['Primary School','Academy','High School','College','Infant School',"
    "'Junior School','Church of England Primary School','Special School']"
)
PHASES = "ARRAY['primary','secondary','all_through','special','alternative_provision','college']"
# 6 in 10 active; the rest in the other statuses, so the filter is not everything.
STATUS = (
    "CASE WHEN g % 10 < 6 THEN 'active' ELSE (ARRAY['not_participating',"
    "'interest_registered','assigned_to_cohort','onboarding','paused','left'])[1 + g % 6] END"
)
LEVELS = (
    "ARRAY['High level intervention','Moderate level intervention',"
    "'Both low and moderate interventions','Low level intervention','Self help',"
    "'Advice and signposting','Resilience and wellbeing']"
)
CONCERNS = (
    "ARRAY['general_mental_health','eating_disorders','bereavement','psychosis',"
    "'post_sexual_abuse','self_harm','substance_misuse']"
)


def load(services: int) -> None:
    area = new_area("Bench area 0")
    _copy_rows("service_area", area.id, 149, {"name": "'Bench area ' || g"})
    team = new_team("Bench team 0", area)
    team.public_phone, team.public_email = "0116 496 0000", "bench@mhst.example"
    db.session.commit()
    _copy_rows(
        "team", team.id, 649, {"name": "'Bench team ' || g", "area_id": f"{area.id} + g % 150"}
    )
    school = new_school("Bench school", team)
    school.participation_status = "active"
    db.session.commit()
    _copy_rows(
        "school",
        school.id,
        23_999,
        {
            "name": f"({WORDS})[1 + g % 10] || ' ' || ({PLACES})[1 + (g / 10) % 10] || ' ' "
            f"|| ({KINDS})[1 + (g / 100) % 8] || ' ' || g",
            "urn": "lpad((100000 + g)::text, 6, '0')",
            "team_id": f"{team.id} + g % 650",
            "area_id": f"{area.id} + (g % 650) % 150",
            "phase": f"({PHASES})[1 + g % 6]",
            "participation_status": STATUS,
        },
    )
    _load_directory(services)
    db.session.commit()


def _load_directory(services: int) -> None:
    template = DirectoryService(
        table_kind=DirectoryTable.CHILDREN,
        level_of_need="Urgent/crisis intervention",
        level_order=1,
        name="Bench crisis service 0",
        description="An invented service for the benchmark: what it offers, in a sentence.",
        area_text="Leicester City",
        covers_city=True,
        age_text="0-18",
        min_age=0,
        max_age=18,
        referral_routes=[{"route": "Direct referral into service", "detail": "Y"}],
    )
    db.session.add(template)
    db.session.commit()
    urgent = "g % 100 = 0"
    _copy_rows(
        "directory_service",
        template.id,
        services + services // 5,
        {
            "table_kind": f"CASE WHEN g > {services} THEN 'adult' ELSE 'children' END",
            "level_of_need": f"CASE WHEN {urgent} THEN t.level_of_need "
            f"ELSE ({LEVELS})[1 + g % 7] END",
            "level_order": f"CASE WHEN {urgent} THEN 1 ELSE 2 + g % 7 END",
            "name": "'Bench service ' || md5(g::text)",
            "covers_city": "g % 3 = 0",
            "covers_county": "g % 3 = 1",
            "covers_rutland": "g % 5 = 2",
            "min_age": "g % 12",
            "max_age": "g % 12 + 6 + g % 10",
            "age_text": "(g % 12) || '-' || (g % 12 + 6 + g % 10)",
        },
    )
    db.session.execute(
        text(
            "INSERT INTO directory_service_concern (service_id, concern) "  # noqa: S608
            f"SELECT s.id, ({CONCERNS})[1 + k] FROM directory_service AS s, "
            "generate_series(0, 6) AS k WHERE (s.id + k) % 4 = 0 OR k = s.id % 7"
            " ON CONFLICT DO NOTHING"
        )
    )


def searches() -> dict[str, tuple[str, dict[str, str]]]:
    """Each search: (page, its query arguments)."""
    areas = db.session.scalars(select(ServiceArea.id).order_by(ServiceArea.name)).all()
    middle = db.session.scalars(
        select(School.id)
        .where(School.participation_status == "active")
        .order_by(School.name, School.id)
        .offset(7_000)
        .limit(1)
    ).one()
    return {
        "Schools: first page": ("schools", {}),
        "Schools: name search (part of a word, 'oak', 2,400 match)": ("schools", {"q": "oak"}),
        "Schools: name search ('hill acad', 240 match)": ("schools", {"q": "hill acad"}),
        "Schools: name search matching nothing": ("schools", {"q": "zzzz"}),
        "Schools: area + phase (secondary)": (
            "schools",
            {"area": str(areas[40]), "phase": "secondary"},
        ),
        "Schools: a later keyset page (after the 7,000th)": ("schools", {"after": str(middle)}),
        "Schools: last page": ("schools", {"page": "last"}),
        "Support: first page": ("support", {}),
        "Support: concern (self harm)": ("support", {"concern": "self_harm"}),
        "Support: age 14": ("support", {"age": "14"}),
        "Support: area (Rutland)": ("support", {"area": "rutland"}),
        "Support: concern + age + area": (
            "support",
            {"concern": "eating_disorders", "age": "9", "area": "county"},
        ),
        "Support: concern + age, last page": (
            "support",
            {"concern": "bereavement", "age": "15", "page": "last"},
        ),
    }


def view_fetch(page: str, args: dict[str, str]):
    """The queries the view runs for one search (mhst.public.views), without the page."""
    if page == "schools":
        search = queries.read_search(args, ("q", "area", "phase"))
        return lambda: queries.schools_page(search, queries.areas(), args)
    search = queries.read_search(args, ("concern", "age", "area"))
    criteria = queries.support_criteria(search)
    return lambda: (
        queries.urgent_services(criteria.get("area")),
        queries.support_page(criteria, args),
    )


HEADER = (
    "| Search | view's queries: median ms | statements "
    "| whole page (test client): median ms | statements |\n|---|---|---|---|---|"
)
PATHS = {"schools": "/schools-list", "support": "/local-support"}


def measure(app, repeats: int) -> tuple[list[str], list[str]]:
    statements: list[tuple[str, object]] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append((a[2], a[3])))
    client = app.test_client()
    rows, plans = [HEADER], []
    for label, (page, args) in searches().items():

        def get(path=PATHS[page], args=args):
            response = client.get(path, query_string=args)
            assert response.status_code == 200, (path, args, response.status_code)

        view = median_and_count(view_fetch(page, args), repeats, statements)
        rows.append(f"| {label} | {view} | {median_and_count(get, repeats, statements)} |")
        plans.append(f"### {label}\n\n```\n{_plan(page, args, statements)}\n```\n")
    return rows, plans


def _plan(page: str, args: dict[str, str], statements: list) -> str:
    """EXPLAIN ANALYZE of the search's page query (the one with a LIMIT: per page + 1)."""
    before = len(statements)
    view_fetch(page, args)()
    sql, parameters = next(
        (sql, parameters)
        for sql, parameters in reversed(statements[before:])
        if "LIMIT" in sql and not sql.startswith("SELECT directory_service_concern")
    )
    with db.engine.connect() as connection:
        plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, parameters)
        return "\n".join(row[0] for row in plan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--services", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--plans", help="write the EXPLAIN ANALYZE plans to this file")
    parser.add_argument(
        "--without-trigram",
        action="store_true",
        help="drop ix_school_name_trgm first (the before of migration 0030's index)",
    )
    options = parser.parse_args()

    def load_all() -> None:
        load(options.services)
        if options.without_trigram:
            db.session.execute(text("DROP INDEX ix_school_name_trgm"))
            db.session.commit()

    with fresh_database(options.database_url, "public", load_all) as (app, _):
        rows, plans = measure(app, options.repeats)
        print("\n".join(rows))
        if options.plans:
            Path(options.plans).write_text("\n".join(plans), encoding="utf-8")


if __name__ == "__main__":
    main()
