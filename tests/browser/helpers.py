"""Shared steps for the browser tests: axe checks, reflow checks, signing in."""

from datetime import timedelta

from axe_playwright_python.sync_playwright import Axe

from spacebank.demo import DEMO_ACCOUNTS
from spacebank.timeutil import today_local

_axe = Axe()

# WCAG 2.0/2.1/2.2 A and AA rules plus axe's best practices (landmarks, one h1, ...).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": [
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}}


def axe_violations(page) -> list[str]:
    """One readable line per violation and node: rule id, impact, target, summary."""
    results = _axe.run(page, options=AXE_OPTIONS)
    lines = []
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            lines.append(f"{page.url}: {violation['id']} ({violation['impact']}) at {node['target']}: "
                         f"{violation['help']}")
    return lines



def demo_password(email: str) -> str:
    return next(a.password for a in DEMO_ACCOUNTS if a.email == email)


def sign_in(page, live_server, email: str) -> None:
    page.goto(live_server("/sign-in"))
    page.get_by_label("Email address").fill(email)
    page.get_by_role("textbox", name="Password").fill(demo_password(email))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/sign-in" not in page.url, f"sign-in as {email} failed: {page.url}"


def next_weekday(weekday: int, weeks_ahead: int = 1):
    day = today_local() + timedelta(weeks=weeks_ahead)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def fill_date(page, day) -> None:
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))


def h1(page) -> str:
    return " ".join(page.locator("h1").first.inner_text().split())


def search(page, live_server, day, start: str, end: str, people: str) -> None:
    page.goto(live_server("/spaces"))
    page.get_by_label("Postcode or place").fill("E8 1DY")
    fill_date(page, day)
    page.get_by_label("Start time").fill(start)
    page.get_by_label("End time").fill(end)
    page.get_by_label("Number of people").fill(people)
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()


def continue_(page) -> None:
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
