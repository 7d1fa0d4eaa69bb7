"""Issue 3's journey in a real browser: a school goes from the national register to active.

An administrator imports schools from a CSV file (and sees a bad file refused, row by
row); one of those schools registers interest on the public page; the administrator
accepts it, assigns it to a cohort and moves it to onboarding; activation is refused
while the onboarding checklist is incomplete; the administrator creates the school's
Mental Health Lead account, names them, completes the checklist and makes the school
active. The clinical lead's rollout report then counts exactly one more school and its
pupils, and the demo school lead still sees only their own school.

The live server is shared by every browser test, so the schools here have their own
URNs (9987xx) and names, and the rollout figures are compared with what they were at
the start of this test rather than with fixed numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Route, expect

from mhst.core.time import utcnow
from mhst.demo import DEMO_PASSWORD
from mhst.schools.operations import ONBOARDING_ITEMS
from tests.browser.conftest import csp_violations
from tests.browser.test_roles import HOME, assert_accessible, assert_js_enabled, sign_in

pytestmark = pytest.mark.browser

ADMIN = "admin@mhst.example"
CLINICAL_LEAD = "clinical.lead@mhst.example"
SCHOOL_LEAD = "school.lead@mhst.example"

# Columns as the national register (Get Information about Schools) names them.
HEADER = (
    "URN,EstablishmentName,TypeOfEstablishment (name),PhaseOfEducation (name),"
    "LA (name),NumberOfPupils\n"
)
# The school that goes all the way to active, and two more imported with it.
URN, NAME, PUPILS = "998701", "Marram Bay Primary School", 312
GOOD_FILE = (
    HEADER
    + f"{URN},{NAME},Community school,Primary,Leicestershire,{PUPILS}\n"
    + '998702,Sedgewick Moor Academy,Academy converter,Secondary,Leicestershire,"1,104"\n'
    + "998703,Tansy Lane School,Community special school,Not applicable,Leicestershire,86\n"
)
# What the register shows for each: URN, name, phase, pupils.
IMPORTED = [
    (URN, NAME, "Primary", str(PUPILS)),
    ("998702", "Sedgewick Moor Academy", "Secondary", "1,104"),
    ("998703", "Tansy Lane School", "Special", "86"),
]
# One good row and two bad ones: a 5-digit URN and a nursery school.
BAD_FILE = (
    HEADER
    + "998704,Ulverby Vale Primary School,Community school,Primary,Leicestershire,210\n"
    + "99870,Quillon Park School,Academy converter,Secondary,Leicestershire,900\n"
    + "998705,Nettlecombe Nursery School,Local authority nursery school,Nursery,"
    + "Leicestershire,60\n"
)

LEAD_NAME, LEAD_EMAIL = "Rowena Achterberg", "rowena.achterberg@marram-bay.example"
LEAD_PASSWORD = "marram-bay-lead-2026"
# The items a person ticks on the checklist page (the lead comes from naming one, the
# welcome pack from its date).
TICKED = [
    item for item in ONBOARDING_ITEMS if item.key not in ("lead_named", "welcome_pack_sent_on")
]


@pytest.fixture
def open_page(browser: Browser, live_server: str) -> Iterator[Callable[[], Page]]:
    """Open pages for other people, each in its own fresh context, guarded as ``page`` is:
    only the live server is reachable, and CSP violations or broken resources fail."""
    contexts = []
    console: list[str] = []
    broken: list[str] = []

    def only_live_server(route: Route) -> None:
        if route.request.url.startswith(live_server + "/"):
            route.continue_()
        else:
            route.abort()

    def record(message: ConsoleMessage) -> None:
        console.append(f"{message.type}: {message.text}")

    def check_subresource(response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            broken.append(f"{response.status} {response.url}")

    def open_() -> Page:
        context = browser.new_context(base_url=live_server)
        contexts.append(context)
        context.route("**/*", only_live_server)
        new_page = context.new_page()
        new_page.on("console", record)
        new_page.on("response", check_subresource)
        return new_page

    yield open_
    for context in contexts:
        context.close()
    violations = csp_violations(console)
    assert not violations, "Content Security Policy violations:\n" + "\n".join(violations)
    assert not broken, "Page resources that failed to load:\n" + "\n".join(broken)


def signed_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> Page:
    """Signed in and on the home page, its script run: the header's script folds the menu
    once it runs, which can move a link from under a click made before (seen in CI)."""
    sign_in(page, email, password)
    expect(page).to_have_url(HOME)
    assert_js_enabled(page)
    return page


def figure(text: str) -> int:
    return int(text.replace(",", ""))


def summary_value(page: Page, key: str) -> Locator:
    """The value in the summary list row whose key is ``key``."""
    row = page.locator(".nhsuk-summary-list__row").filter(has=page.get_by_text(key, exact=True))
    return row.locator(".nhsuk-summary-list__value")


def coverage(page: Page) -> dict[str, int]:
    """The rollout page's schools and pupils covered: today, and in the current year's row."""
    page.goto("/rollout/")
    expect(page.locator("h1")).to_have_text(re.compile(r"^Rollout to every school by "))
    figures = {}
    for key in ("Schools covered", "Pupils covered"):
        text = summary_value(page, key).inner_text()
        match = re.fullmatch(r"([\d,]+) of ([\d,]+)(?: \([\d.]+%\))?", text.strip())
        assert match, f"{key}: {text!r}"
        figures[key] = figure(match[1])
    current = page.locator("table tbody tr").filter(
        has=page.get_by_role("rowheader", name=re.compile(r"\(to date\)$"))
    )
    expect(current).to_have_count(1)
    cells = current.locator("td").all_inner_texts()
    figures["Schools covered this year"] = figure(cells[0])
    figures["Pupils covered this year"] = figure(cells[2])
    # Coverage by deprivation decile adds up to the same schools covered; a school with
    # no need figures is counted under "Not known".
    deciles = page.locator("table").filter(
        has=page.locator("caption", has_text="Coverage by deprivation decile")
    )
    rows = deciles.locator("tbody tr")
    expect(rows).to_have_count(11)
    covered = rows.locator("td:nth-child(3)").all_inner_texts()
    assert sum(map(figure, covered)) == figures["Schools covered"], covered
    not_known = rows.filter(has=page.get_by_role("rowheader", name="Not known", exact=True))
    figures["Schools covered, decile not known"] = figure(
        not_known.locator("td").all_inner_texts()[1]
    )
    return figures


def choose_file(page: Page, path: Path) -> None:
    """Choose the file as a person does: NHS.UK's script turns the file input into a
    button labelled by the field's label, which opens the file chooser."""
    assert_js_enabled(page)
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=re.compile(r"^Upload a CSV file")).click()
    chooser.value.set_files(path)
    expect(page.locator(".nhsuk-file-upload__status")).to_contain_text(path.name)


def missing_items_warning(page: Page) -> Locator:
    """The warning on the school page that lists the missing onboarding items."""
    heading = page.get_by_role("heading", name=re.compile("Before this school can become active"))
    return page.locator(".nhsuk-card").filter(has=heading)


def participation(page: Page) -> Locator:
    """The school page's line with its participation status."""
    return page.locator("main p").filter(has_text="Participation:")


def change_status(page: Page, status: str) -> None:
    page.get_by_role("radio", name=status, exact=True).check()
    page.get_by_role("button", name="Change status").click()


def test_a_school_goes_from_the_register_to_active(
    page: Page, open_page: Callable[[], Page], tmp_path: Path
):
    # Before anything changes: the clinical lead's rollout figures.
    clinical_lead = signed_in(open_page(), CLINICAL_LEAD)
    before = coverage(clinical_lead)

    # 1. The administrator imports three new schools from a national register extract.
    admin = signed_in(page, ADMIN)
    good_file = tmp_path / "gias-extract.csv"
    good_file.write_text(GOOD_FILE, encoding="utf-8")
    admin.goto("/schools/")
    admin.get_by_role("button", name="Import schools from CSV").click()
    expect(admin).to_have_url(re.compile(r"/schools/import$"))
    choose_file(admin, good_file)
    admin.get_by_label("Area for new schools").select_option(label="Leicestershire")
    admin.get_by_role("button", name="Import schools").click()
    expect(admin).to_have_url(re.compile(r"/schools/$"))
    expect(admin.get_by_text("3 schools added, 0 updated.")).to_be_visible()
    admin.get_by_label("Name or URN").fill("99870")
    admin.get_by_role("button", name="Filter schools").click()
    for urn, name, phase, pupils in IMPORTED:
        # Each cell starts with its heading, hidden but for small screens.
        row = admin.locator("main table tbody tr").filter(has_text=urn)
        expect(row.locator("td")).to_have_text(
            [
                f"School {name}",
                f"URN {urn}",
                f"NHS code EE{urn}",
                f"Phase {phase}",
                "Area Leicestershire",
                "MHST team Not assigned",
                "Cohort None",
                "Status Not participating",
                f"Pupils {pupils}",
            ]
        )

    # ... and a file with bad rows: every problem is listed and nothing is added.
    bad_file = tmp_path / "gias-extract-with-mistakes.csv"
    bad_file.write_text(BAD_FILE, encoding="utf-8")
    admin.goto("/schools/import")
    choose_file(admin, bad_file)
    admin.get_by_label("Area for new schools").select_option(label="Leicestershire")
    admin.get_by_role("button", name="Import schools").click()
    summary = admin.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("2 rows have problems, so no schools were imported")
    problems = admin.locator("table#problems")
    expect(problems.locator("caption")).to_have_text("Problems in the file")
    expect(problems.locator("tbody tr")).to_have_count(2)
    expect(problems.locator("tbody tr").nth(0).locator("td")).to_have_text(
        ["3", "99870", "URN", "Enter the URN as 6 digits, like 120345"]
    )
    expect(problems.locator("tbody tr").nth(1).locator("td")).to_have_text(
        ["4", "998705", "PhaseOfEducation (name)", re.compile(r"^Nursery schools are outside")]
    )
    # The choices are kept for the next try.
    expect(admin.get_by_label("Area for new schools").locator("option:checked")).to_have_text(
        "Leicestershire"
    )
    assert_accessible(admin)
    admin.goto("/schools/?q=998704")
    expect(admin.get_by_text("No schools match the search and filters.")).to_be_visible()

    # 2. The school registers its interest on the public page, signed out.
    school = open_page()
    school.goto("/join")
    expect(school.get_by_role("button", name="Sign out")).to_have_count(0)
    assert_accessible(school)
    school.get_by_label("School name").fill(NAME)
    school.get_by_label("Unique reference number (URN)").fill(URN)
    school.get_by_label("Area").select_option(label="Leicestershire")
    school.get_by_label("Pupils on roll (optional)").fill(str(PUPILS))
    school.get_by_label("Your full name").fill(LEAD_NAME)
    school.get_by_label("Your role at the school").fill("Deputy headteacher")
    school.get_by_label("Your email address").fill(LEAD_EMAIL)
    school.get_by_label("Anything else you would like to tell us (optional)").fill(
        "We would like support for pupils with worries about moving to secondary school."
    )
    school.get_by_role("button", name="Register interest").click()
    expect(school).to_have_url(re.compile(r"/join/registered$"))
    expect(school.locator("h1")).to_have_text("Interest registered")
    expect(school.locator("main")).to_contain_text(f"{NAME} (URN {URN})")

    # 3. The administrator reviews the registration and accepts it.
    admin.goto("/admin/interest")
    admin.get_by_role("link", name=NAME, exact=True).click()
    expect(admin.locator("h1")).to_have_text(NAME)
    expect(admin.locator("main")).to_contain_text("Pending")
    assert_accessible(admin)
    admin.get_by_role(
        "radio", name="Accept: the school joins the schools waiting for a cohort"
    ).check()
    admin.get_by_role("button", name="Save decision").click()
    expect(admin.get_by_text(f"The registration from {NAME} was accepted.")).to_be_visible()
    admin.get_by_role("link", name=f"See {NAME} on the register").click()
    expect(admin).to_have_url(re.compile(r"/schools/\d+$"))
    school_path = urlparse(admin.url).path
    expect(admin.locator("h1")).to_have_text(NAME)
    expect(participation(admin)).to_contain_text("Interest registered")

    # 4. Assigned to the 2026/27 cohort, then onboarding; going active is refused.
    admin.get_by_role("radio", name="Assigned to cohort", exact=True).check()
    cohort = admin.get_by_label("Cohort", exact=True)
    option = cohort.locator("option", has_text="2026/27")
    expect(option).to_have_count(1)
    cohort.select_option(option.get_attribute("value"))
    admin.get_by_role("button", name="Change status").click()
    expect(admin.get_by_text(f"{NAME} is now assigned to cohort.")).to_be_visible()
    expect(participation(admin)).to_contain_text("Assigned to cohort")
    expect(summary_value(admin, "Cohort")).to_contain_text("2026/27")

    change_status(admin, "Onboarding")
    expect(admin.get_by_text(f"{NAME} is now onboarding.")).to_be_visible()
    expect(participation(admin)).to_contain_text("Onboarding")

    change_status(admin, "Active")
    expect(admin).to_have_title(re.compile(r"^Error: "))
    expect(admin.locator(".nhsuk-error-summary")).to_contain_text(
        "The school cannot become active until these are done"
    )
    expect(participation(admin)).to_contain_text("Onboarding")
    missing = missing_items_warning(admin).locator("li")
    expect(missing).to_have_count(len(ONBOARDING_ITEMS))
    for item in (ONBOARDING_ITEMS[0], ONBOARDING_ITEMS[2], ONBOARDING_ITEMS[-1]):
        expect(missing.filter(has_text=item.label)).to_have_count(1)
    assert_accessible(admin)

    # 5. The school's Mental Health Lead gets an account and is named ...
    admin.goto("/admin/users/new")
    admin.get_by_label("Full name").fill(LEAD_NAME)
    admin.get_by_label("Email address").fill(LEAD_EMAIL)
    admin.get_by_role("radio", name="School mental health lead").check()
    # Some 300 schools: the administrator narrows to an area, then its schools with no
    # team (issue 14); Show schools keeps what was typed.
    school_choice = admin.get_by_label("School", exact=True)
    expect(school_choice.locator("option")).to_have_count(1)  # "No school (staff)" only
    admin.get_by_label("Area of the school").select_option(label="Leicestershire")
    admin.get_by_role("button", name="Show schools").click()
    admin.get_by_label("Team of the school").select_option(label="Schools with no team")
    admin.get_by_role("button", name="Show schools").click()
    expect(admin.get_by_label("Full name")).to_have_value(LEAD_NAME)
    school_choice.select_option(label=f"{NAME} (URN {URN})")
    admin.get_by_label("Temporary password").fill(LEAD_PASSWORD)
    admin.get_by_role("button", name="Add user").click()
    expect(
        admin.get_by_text(f"{LEAD_NAME} can now sign in as school mental health lead.")
    ).to_be_visible()

    admin.goto(school_path)
    admin.get_by_role("link", name="Name the lead or deputy").click()
    admin.get_by_label("Mental Health Lead", exact=True).select_option(
        label=f"{LEAD_NAME} ({LEAD_EMAIL})"
    )
    admin.get_by_role("button", name="Name as Mental Health Lead").click()
    expect(
        admin.get_by_text(f"{LEAD_NAME} is now the Mental Health Lead for {NAME}.")
    ).to_be_visible()

    # ... the onboarding checklist is completed, with the welcome pack sent last week ...
    admin.goto(school_path)
    admin.get_by_role("link", name="Update the onboarding checklist").click()
    expect(admin.locator("main")).to_contain_text(f"Done: {LEAD_NAME}")
    for item in TICKED:
        admin.get_by_role("checkbox", name=item.label).check()
    sent = utcnow().date() - timedelta(days=7)
    welcome_pack = admin.get_by_role("group", name="Date the welcome pack was sent")
    welcome_pack.get_by_label("Day").fill(str(sent.day))
    welcome_pack.get_by_label("Month").fill(str(sent.month))
    welcome_pack.get_by_label("Year").fill(str(sent.year))
    admin.get_by_role("button", name="Save the checklist").click()
    expect(admin).to_have_url(re.compile(re.escape(school_path) + "$"))
    expect(
        admin.get_by_text(f"Onboarding checklist for {NAME} saved. Every item is done.")
    ).to_be_visible()
    expect(admin.locator("caption", has_text="items done")).to_have_text(
        f"{len(ONBOARDING_ITEMS)} of {len(ONBOARDING_ITEMS)} items done"
    )
    expect(missing_items_warning(admin)).to_have_count(0)

    # ... and the school becomes active.
    change_status(admin, "Active")
    expect(admin.get_by_text(f"{NAME} is now active.")).to_be_visible()
    expect(participation(admin)).to_contain_text("Active")

    # 6. The rollout report counts one more school, with its pupils.
    after = coverage(clinical_lead)
    assert after == {
        "Schools covered": before["Schools covered"] + 1,
        "Pupils covered": before["Pupils covered"] + PUPILS,
        "Schools covered this year": before["Schools covered this year"] + 1,
        "Pupils covered this year": before["Pupils covered this year"] + PUPILS,
        # The new school has no need figures yet.
        "Schools covered, decile not known": before["Schools covered, decile not known"] + 1,
    }, before
    assert_accessible(clinical_lead)

    # 7. The demo school lead sees only their own school, and not the new one.
    school_lead = signed_in(open_page(), SCHOOL_LEAD)
    school_lead.goto("/schools/")
    expect(school_lead.locator("main table caption")).to_have_text("Schools, A to Z")
    rows = school_lead.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Brookfield Primary School")
    response = school_lead.goto(school_path)
    assert response is not None
    assert response.status == 404
    expect(school_lead.locator("h1")).to_have_text("Page not found")
    expect(school_lead.locator("main")).not_to_contain_text(NAME)
