"""Time: stored in UTC, shown and reasoned about in Europe/London.

Opening hours are wall-clock times; a day in London can last 23 or 25 hours, so
every conversion goes through zoneinfo rather than adding hours to a date.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import re

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

LONDON = ZoneInfo("Europe/London")


_CLOCK_24 = re.compile(r"(?P<hour>\d{1,2})(?:[:.]?(?P<minute>\d{2}))?")  # 18, 18:00, 18.00, 1800, 9:30
_CLOCK_12 = re.compile(r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?(?P<half>am|pm)")  # 6pm, 6:30pm, 6 p.m.


def parse_time(text: str) -> time:
    """A time of day as people type it, for every form that asks for one.

    Raises ValueError("real") for a time-shaped answer that is not a time (25:00, 13pm)
    and ValueError("format") for anything else, so forms can say which.
    """
    text = text.strip().lower().replace(" ", "").replace(".m.", "m").replace("a.m", "am").replace("p.m", "pm")
    if text in {"midday", "noon", "12noon"}:
        return time(12)
    if text == "midnight":
        return time(0)
    if match := _CLOCK_12.fullmatch(text):
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise ValueError("real")
        return time(hour % 12 + (12 if match["half"] == "pm" else 0), minute)
    if match := _CLOCK_24.fullmatch(text):
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if hour > 23 or minute > 59:
            raise ValueError("real")
        return time(hour, minute)
    raise ValueError("format")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_datetime(day: date, at: time) -> datetime:
    """The aware UTC instant of a London wall-clock time.

    A time that does not exist (01:30 on the spring-forward day) moves forward by
    the gap, as a clock on the wall would; an ambiguous one (01:30 in October)
    takes its first occurrence.
    """
    # fold=0 reads a time in the spring gap with the winter offset (so 01:30 becomes
    # 02:30 BST) and an ambiguous autumn time as its first, summer-time occurrence.
    return datetime.combine(day, at).replace(tzinfo=LONDON, fold=0).astimezone(UTC)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of a London day, in UTC."""
    return local_datetime(day, time(0)), local_datetime(day + timedelta(days=1), time(0))


def to_local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(LONDON)


def today_local(now: datetime | None = None) -> date:
    return to_local(now or utcnow()).date()


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on both databases.

    PostgreSQL keeps `timestamptz`; SQLite keeps text without an offset, so values are
    normalised to UTC before saving and given their UTC tzinfo back on loading.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
