"""What residents, community groups and housing officers do, in a real browser."""

import re
from datetime import timedelta

import pytest

from .conftest import screenshot
from .helpers import continue_, fill_date, h1, next_weekday, search

pytestmark = pytest.mark.browser


def walk_to_check(page, who: str, purpose: str = "Choir rehearsal", people: str = "20") -> None:
    """From the when page (already filled from the search), answer each question."""
    continue_(page)
    assert h1(page) == "Does this booking repeat?"
    page.get_by_label("No, just once").check()
    continue_(page)
    assert h1(page) == "Who is booking?"
    page.get_by_label(who).check()
    continue_(page)
    assert h1(page) == "About your booking"
    page.get_by_label("What is the booking for?").fill(purpose)
    page.get_by_label("How many people do you expect?").fill(people)
    continue_(page)
    continue_(page)  # no accessibility or set-up needs
    assert h1(page).startswith("Check your answers")


def summary_value(page, key: str) -> str:
    row = page.locator(".govuk-summary-list__row", has=page.locator("dt", has_text=key)).first
    return " ".join(row.locator("dd").first.inner_text().split())


def test_a_resident_finds_a_hall_near_a_postcode_books_it_sees_it_and_cancels_it(page_as, live_server):
    page = page_as("resident@example.com")
    day = next_weekday(1, weeks_ahead=2)  # a Tuesday in a fortnight
    search(page, live_server, day, "10:00", "12:00", "20")
    assert page.locator("#results h2").inner_text().startswith("Spaces near")
    screenshot(page, "search-results")
    first = page.locator("#search-results > li").first
    first.get_by_role("link", name=re.compile(r"^Book")).first.click()
    page.wait_for_load_state()
    assert h1(page) == "When do you want to book?"
    assert page.get_by_label("Start time").input_value() == "10:00"
    walk_to_check(page, "Myself, as a resident")
    screenshot(page, "booking-check")
    page.get_by_label("I accept the hire conditions").check()
    page.get_by_role("button", name=re.compile("Confirm booking|Send booking request")).click()
    page.wait_for_load_state()
    panel = page.locator(".govuk-panel")
    assert re.match(r"Booking (confirmed|request sent)", panel.locator("h1").inner_text())
    reference = re.search(r"SB-[A-Z0-9]{4}-[A-Z0-9]{4}", panel.inner_text())[0]
    screenshot(page, "booking-confirmation")

    page.get_by_role("link", name="See all your bookings").click()
    page.wait_for_load_state()
    assert h1(page) == "My bookings"
    screenshot(page, "my-bookings")
    page.get_by_role("link", name=re.compile(reference)).first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Cancel this booking").click()
    page.wait_for_load_state()
    assert h1(page) == "Are you sure you want to cancel this booking?"
    page.get_by_role("button", name="Yes, cancel this booking").click()
    page.wait_for_load_state()
    assert f"Booking {reference} has been cancelled." in page.locator(".govuk-notification-banner").inner_text()
    screenshot(page, "booking-cancelled")


def test_a_community_group_books_a_hall_at_the_free_rate(page_as, live_server):
    page = page_as("group@example.com")
    day = next_weekday(2, weeks_ahead=3)  # a Wednesday in three weeks
    page.goto(live_server("/spaces"))
    page.get_by_label("Postcode or place").fill("E8 1DY")
    fill_date(page, day)
    page.get_by_label("Start time").fill("14:00")
    page.get_by_label("End time").fill("16:00")
    page.get_by_label("Number of people").fill("15")
    page.get_by_label("Verified community group").check()
    page.get_by_label("Free for my community group").check()
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    page.locator("#search-results > li").first.get_by_role("link", name=re.compile(r"^Book")).first.click()
    page.wait_for_load_state()
    walk_to_check(page, "Hackney Wick Knitting Circle", purpose="Knitting circle", people="15")
    assert summary_value(page, "Booking as") == "Hackney Wick Knitting Circle (verified community group)"
    assert summary_value(page, "Hire charge").startswith("Free")
    assert "Free for a verified community group" in summary_value(page, "Hire charge")
    screenshot(page, "booking-check-free-rate")
    page.get_by_label("I accept the hire conditions").check()
    page.get_by_role("button", name=re.compile("Confirm booking|Send booking request")).click()
    page.wait_for_load_state()
    assert re.match(r"Booking (confirmed|request sent)", page.locator(".govuk-panel h1").inner_text())


def test_a_housing_officer_approves_a_request_and_closes_a_hall(page_as, live_server):
    page = page_as("housing@example.com")
    page.goto(live_server("/admin/requests/"))
    assert h1(page) == "Requests waiting for a decision"
    screenshot(page, "staff-requests")
    first = page.locator("input[name=bookings]").first
    reference = page.locator(f"label[for='{first.get_attribute('id')}']").inner_text().replace("Select ", "").strip()
    first.check()
    page.get_by_role("button", name="Approve selected").click()
    page.wait_for_load_state()
    assert f"Approved {reference}." in page.locator(".govuk-notification-banner").first.inner_text()
    assert page.get_by_label(f"Select {reference}").count() == 0

    day = next_weekday(0, weeks_ahead=5)
    page.goto(live_server("/admin/closure/new/"))
    screenshot(page, "staff-new-closure")
    page.get_by_label("Venue").select_option(label="Wilton Estate Hall")
    page.get_by_label("What is closed").select_option(label="The whole venue")
    for legend, when in (("First day closed", day), ("Last day closed", day + timedelta(days=2))):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(str(when.day))
        group.get_by_label("Month").fill(str(when.month))
        group.get_by_label("Year").fill(str(when.year))
    page.get_by_label("Reason").fill("Closed for redecoration")
    page.get_by_role("button", name=re.compile("^Save")).first.click()
    page.wait_for_load_state()
    assert h1(page) == "Closures"
    assert "Record was successfully created." in page.locator(".govuk-notification-banner").first.inner_text()
    assert closures_of(live_server, "Wilton Estate Hall", "Closed for redecoration") == 1


def closures_of(live_server, venue_name: str, reason: str) -> int:
    import sqlalchemy as sa

    from spacebank.extensions import db
    from spacebank.venues.models import Closure, Venue

    with live_server.app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Closure).join(Venue).where(
            Venue.name == venue_name, Closure.reason == reason))


# ---------------------------------------------------------------- keyboard only

def focused(page) -> dict:
    return page.evaluate("""() => {
        const e = document.activeElement;
        const label = e.id ? document.querySelector(`label[for="${e.id}"]`) : null;
        return {id: e.id, tag: e.tagName, text: (e.innerText || e.value || '').trim(),
                label: label ? label.innerText.trim() : ''};
    }""")


def tab_to(page, *, id: str | None = None, text: str | tuple | None = None, label: str | None = None,
           limit: int = 150) -> None:
    """Press Tab until the wanted element has focus (as a keyboard user would), or fail."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if (id and now["id"] == id) or (text and now["text"].startswith(text)) or (label and now["label"] == label):
            return
    raise AssertionError(f"Tab never reached {id or text or label} on {page.url}")


def press(page, key: str) -> None:
    """A key press that leaves the page (follows a link or sends a form)."""
    with page.expect_navigation():
        page.keyboard.press(key)


def test_a_resident_books_with_the_keyboard_alone(page_as, live_server):
    page = page_as(None)
    page.goto(live_server("/"))
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content"
    tab_to(page, text="Sign in")
    press(page, "Enter")
    assert h1(page) == "Sign in"
    tab_to(page, id="email")
    page.keyboard.type("resident@example.com")
    tab_to(page, id="password")
    page.keyboard.type("resident-demo-Spacebank-2026")
    press(page, "Enter")  # Enter in a text box sends the form
    assert h1(page) == "Book a community space in Hackney"
    tab_to(page, text="Find a space")
    press(page, "Enter")
    assert h1(page) == "Find a space"

    day = next_weekday(3, weeks_ahead=4)  # a Thursday in four weeks
    for field, value in (("where", "E8 1DY"), ("date-day", str(day.day)), ("date-month", str(day.month)),
                         ("date-year", str(day.year)), ("start", "11:00"), ("end", "12:00"), ("people", "10")):
        tab_to(page, id=field)
        page.keyboard.type(value)
    tab_to(page, text="Search")
    press(page, "Enter")
    assert page.locator("#results h2").inner_text().startswith("Spaces near")
    tab_to(page, text="Book")
    press(page, "Enter")
    assert h1(page) == "When do you want to book?"
    tab_to(page, text="Continue")
    press(page, "Enter")
    tab_to(page, label="No, just once")
    page.keyboard.press("Space")
    tab_to(page, text="Continue")
    press(page, "Enter")
    tab_to(page, label="Myself, as a resident")
    page.keyboard.press("Space")
    tab_to(page, text="Continue")
    press(page, "Enter")
    tab_to(page, id="purpose")
    page.keyboard.type("Residents' surgery")
    tab_to(page, id="attendees")
    page.keyboard.type("10")
    tab_to(page, text="Continue")
    press(page, "Enter")
    tab_to(page, text="Continue")
    press(page, "Enter")
    assert h1(page).startswith("Check your answers")
    tab_to(page, label="I accept the hire conditions")
    page.keyboard.press("Space")
    tab_to(page, text=("Confirm booking", "Send booking request"))
    press(page, "Enter")
    assert page.locator(".govuk-panel h1").inner_text() in ("Booking confirmed", "Booking request sent")
