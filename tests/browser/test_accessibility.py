"""axe-core, reflow at 320 px and 200% zoom on every public page and the main staff pages.

Each page is checked in its normal state and, where it has a form, in its error state
(the form submitted empty). Any axe violation fails the test and is listed with its rule,
impact and target nodes.
"""

import re
from datetime import timedelta

import pytest

from spacebank.timeutil import today_local

from .conftest import screenshot
from .helpers import axe_violations, continue_, fill_date, h1, next_weekday

pytestmark = pytest.mark.browser

RESIDENT = "resident@example.com"
GROUP_LEADER = "group@example.com"
HOUSING = "housing@example.com"
WEEK_AHEAD = (today_local() + timedelta(days=7)).isoformat()

# (name, path, signed in as). Names become screenshot file names.
PAGES = [
    ("start", "/", None),
    ("venue-list", "/venues", None),
    ("venue-detail", "/venues/pembury-community-hall", None),
    ("library-detail", "/venues/hackney-central-library", None),
    ("space-detail", "/venues/pembury-community-hall/main-hall", None),
    ("search", "/spaces", None),
    ("search-results", "/spaces?where=E8+1DY&people=20", None),
    ("search-results-at-a-time", f"/spaces?where=E8+1DY&date={WEEK_AHEAD}&start=18:00&end=20:00&people=20", None),
    ("search-errors", "/spaces?where=ZZ99+9ZZ&date=2026-02-30&start=25:00&end=1am&people=lots", None),
    ("sign-in", "/sign-in", None),
    ("create-account", "/create-account", None),
    ("forgotten-password", "/forgotten-password", None),
    ("accessibility-statement", "/accessibility-statement", None),
    ("privacy", "/privacy", None),
    ("not-found", "/no-such-page", None),
    ("sign-out", "/sign-out", RESIDENT),
    ("my-bookings", "/my-bookings", RESIDENT),
    ("calendar-feed", "/my-bookings/calendar-feed", RESIDENT),
    ("account", "/account", RESIDENT),
    ("account-details", "/account/details", RESIDENT),
    ("account-password", "/account/password", RESIDENT),
    ("groups", "/groups", GROUP_LEADER),
    ("new-group", "/groups/new", GROUP_LEADER),
    ("forbidden", "/admin/", RESIDENT),
    ("staff-home", "/admin/", HOUSING),
    ("staff-requests", "/admin/requests/", HOUSING),
    ("staff-calendar", "/admin/calendar/", HOUSING),
    ("staff-bookings", "/admin/booking/", HOUSING),
    ("staff-book-for-caller", "/admin/book-for-caller/", HOUSING),
    ("staff-venues", "/admin/venue/", HOUSING),
    ("staff-closures", "/admin/closure/", HOUSING),
    ("staff-new-closure", "/admin/closure/new/", HOUSING),
    ("staff-bank-holidays", "/admin/closure/bank-holidays/", HOUSING),
    ("staff-groups", "/admin/group/", HOUSING),
    ("staff-reports", "/admin/reports/", HOUSING),
    ("staff-audit-log", "/admin/audit-log/", HOUSING),
]

# (name, path, signed in as, submit button text): the form sent empty shows its errors.
ERROR_STATES = [
    ("sign-in-errors", "/sign-in", None, "Sign in"),
    ("create-account-errors", "/create-account", None, "Create account"),
    ("forgotten-password-errors", "/forgotten-password", None, "Send the link"),
    ("account-password-errors", "/account/password", RESIDENT, "Change password"),
    ("new-group-errors", "/groups/new", GROUP_LEADER, "Create group"),
    ("staff-new-closure-errors", "/admin/closure/new/", HOUSING, "Save"),
    ("staff-requests-errors", "/admin/requests/", HOUSING, "Approve selected"),
]

IDS = [name for name, *_ in PAGES]


def _open(page_as, path, email, live_server, **options):
    page = page_as(email, **options)
    response = page.goto(live_server(path))
    assert response is not None and response.status < 500, f"{path} answered {response and response.status}"
    return page


def reflow_problems(page) -> list[str]:
    """WCAG 1.4.10 and 1.4.4: at 320 CSS px (400% zoom of 1280) and at 640 CSS px (200% zoom)
    the page body must not scroll sideways, and the heading must come before the footer."""
    problems = []
    for width in (320, 640):
        page.set_viewport_size({"width": width, "height": 640})
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            wide = page.evaluate(WIDEST_ELEMENTS, width)
            problems.append(f"{page.url}: at {width} px the page is {scroll_width} px wide; too wide: {wide}")
        heading, footer = page.locator("h1").first, page.locator("footer").first
        if not heading.is_visible():
            problems.append(f"{page.url}: at {width} px the <h1> is not visible")
        elif footer.count() and heading.bounding_box()["y"] > footer.bounding_box()["y"]:
            problems.append(f"{page.url}: at {width} px the <h1> comes after the footer")
    return problems


# The innermost elements sticking out of the viewport, to say what to fix.
WIDEST_ELEMENTS = """(width) => Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > width + 1 && e.children.length === 0)
    .slice(0, 3)
    .map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string'
        ? '.' + e.className.trim().split(/\\s+/).join('.') : ''))"""


@pytest.mark.parametrize(("name", "path", "email"), PAGES, ids=IDS)
def test_page_has_no_axe_violations_and_reflows_at_320_px_and_200_percent_zoom(page_as, live_server, name, path,
                                                                            email):
    page = _open(page_as, path, email, live_server)
    screenshot(page, name)
    problems = axe_violations(page) + reflow_problems(page)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("name", "path", "email", "button"), ERROR_STATES, ids=[e[0] for e in ERROR_STATES])
def test_form_error_state_has_no_axe_violations_and_focuses_the_summary(page_as, live_server, name, path, email,
                                                                        button):
    page = _open(page_as, path, email, live_server)
    page.get_by_role("button", name=button, exact=True).first.click()
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible(), f"no error summary on {path} after an empty submit"
    assert page.title().startswith("Error: ")
    # GOV.UK Frontend moves focus to the error summary so screen readers announce it.
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    screenshot(page, name)
    problems = axe_violations(page) + reflow_problems(page)
    assert not problems, "\n".join(problems)


def test_every_booking_flow_page_has_no_axe_violations_and_reflows_in_normal_and_error_states(page_as, live_server):
    """Walk the flow as a resident: at each question, send it empty first (error state),
    check it, then answer it. Then the confirmation, the booking and the cancel pages."""
    page = page_as(RESIDENT)
    problems = []

    def check(name):
        screenshot(page, name)
        problems.extend(axe_violations(page))
        problems.extend(reflow_problems(page))
        page.set_viewport_size({"width": 1024, "height": 768})

    day = next_weekday(4, weeks_ahead=6)  # a Friday in six weeks
    page.goto(live_server(f"/book/{demo_space_id(live_server)}"))
    check("flow-when")
    continue_(page)
    assert page.locator(".govuk-error-summary").is_visible()
    check("flow-when-errors")
    fill_date(page, day)
    page.get_by_label("Start time").fill("13:00")
    page.get_by_label("End time").fill("14:00")
    continue_(page)
    for name, answer in (("repeat", lambda: page.get_by_label("No, just once").check()),
                         ("who", lambda: page.get_by_label("Myself, as a resident").check()),
                         ("purpose", lambda: (page.get_by_label("What is the booking for?").fill("Book club"),
                                              page.get_by_label("How many people do you expect?").fill("8")))):
        check(f"flow-{name}")
        continue_(page)
        assert page.locator(".govuk-error-summary").is_visible(), f"no errors on the empty {name} page"
        check(f"flow-{name}-errors")
        answer()
        continue_(page)
    check("flow-needs")
    continue_(page)
    check("flow-check")
    page.get_by_role("button", name=re.compile("Confirm booking|Send booking request")).click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible(), "no error for conditions not accepted"
    check("flow-check-errors")
    page.get_by_label("I accept the hire conditions").check()
    page.get_by_role("button", name=re.compile("Confirm booking|Send booking request")).click()
    page.wait_for_load_state()
    check("flow-confirmation")
    reference = re.search(r"SB-[A-Z0-9]{4}-[A-Z0-9]{4}", page.locator(".govuk-panel").inner_text())[0]
    page.goto(live_server("/my-bookings"))
    check("flow-my-bookings")
    page.goto(live_server(f"/my-bookings/{reference}"))
    check("flow-booking-detail")
    page.get_by_role("link", name="Cancel this booking").click()
    page.wait_for_load_state()
    check("flow-cancel")
    assert not problems, "\n".join(problems)


def demo_space_id(live_server) -> int:
    """A demo hall's main hall that confirms at once."""
    import sqlalchemy as sa

    from spacebank.extensions import db
    from spacebank.venues.models import Space, Venue

    with live_server.app.app_context():
        return db.session.scalar(sa.select(Space.id).join(Venue).where(
            Venue.name == "Holly Street Community Hall", Space.parent_id.is_(None)))
