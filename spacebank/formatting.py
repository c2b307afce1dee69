"""Jinja filters: the one place where pence become pounds and UTC becomes London time."""

from datetime import date, datetime, time

from .timeutil import to_local


def format_pence(pence: int | None) -> str:
    """1050 -> '£10.50', 3000 -> '£30', 0 -> 'Free'."""
    if pence is None:
        return ""
    if pence == 0:
        return "Free"
    pounds, remainder = divmod(abs(pence), 100)
    sign = "-" if pence < 0 else ""
    if remainder == 0:
        return f"{sign}£{pounds:,}"
    return f"{sign}£{pounds:,}.{remainder:02d}"


def format_pence_plain(pence: int) -> str:
    """Like format_pence but shows £0 rather than 'Free' (for totals in tables)."""
    return "£0" if pence == 0 else format_pence(pence)


def format_time(value: datetime | time) -> str:
    """'9am', '6:30pm', 'midday', 'midnight' in London time (GOV.UK style)."""
    if isinstance(value, datetime):
        value = to_local(value).time()
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    if value.hour == 12 and value.minute == 0:
        return "midday"
    suffix = "am" if value.hour < 12 else "pm"
    hour = value.hour % 12 or 12
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def format_date(value: datetime | date) -> str:
    """'Thursday 3 December 2026' in London time."""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return f"{value:%A} {value.day} {value:%B %Y}"


def format_short_date(value: datetime | date) -> str:
    if isinstance(value, datetime):
        value = to_local(value).date()
    return f"{value:%a} {value.day} {value:%b}"


def format_datetime(value: datetime) -> str:
    return f"{format_date(value)} at {format_time(value)}"


def format_minutes(minutes: int) -> str:
    """90 -> '1 hour 30 minutes'."""
    hours, mins = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("" if hours == 1 else "s"))
    if mins or not hours:
        parts.append(f"{mins} minute" + ("" if mins == 1 else "s"))
    return " ".join(parts)


FILTERS = {
    "pence": format_pence,
    "pence_plain": format_pence_plain,
    "time": format_time,
    "date": format_date,
    "short_date": format_short_date,
    "datetime": format_datetime,
    "minutes": format_minutes,
}
