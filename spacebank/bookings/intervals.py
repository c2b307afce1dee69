"""Half-open time intervals [start, end): the arithmetic behind availability and rules.

Touching intervals do not overlap: a booking ending at 18:00 and one starting at
18:00 can both stand. Everything here is pure and works on aware datetimes.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..timeutil import local_datetime


@dataclass(frozen=True, order=True)
class Interval:
    start: datetime
    end: datetime

    def __post_init__(self):
        if self.end <= self.start:
            raise ValueError(f"interval ends before it starts: {self.start} – {self.end}")

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def overlaps(self, other: "Interval") -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: "Interval") -> bool:
        return self.start <= other.start and other.end <= self.end


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals joined."""
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def subtract(base: Iterable[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    """The parts of `base` not covered by any of `cuts`."""
    result: list[Interval] = []
    cuts = merge(cuts)
    for interval in merge(base):
        start = interval.start
        for cut in cuts:
            if cut.end <= start or cut.start >= interval.end:
                continue
            if cut.start > start:
                result.append(Interval(start, cut.start))
            start = max(start, cut.end)
            if start >= interval.end:
                break
        if start < interval.end:
            result.append(Interval(start, interval.end))
    return result


def clip(intervals: Iterable[Interval], window: Interval) -> list[Interval]:
    out = []
    for interval in intervals:
        start, end = max(interval.start, window.start), min(interval.end, window.end)
        if start < end:
            out.append(Interval(start, end))
    return out


def opening_intervals(ranges_by_weekday: dict[int, list[tuple[time, time]]], first_day: date,
                      last_day: date) -> list[Interval]:
    """Opening hours (London wall-clock ranges per weekday) as UTC intervals over days."""
    out: list[Interval] = []
    day = first_day
    while day <= last_day:
        for opens, closes in ranges_by_weekday.get(day.weekday(), []):
            start, end = local_datetime(day, opens), local_datetime(day, closes)
            if end > start:
                out.append(Interval(start, end))
        day += timedelta(days=1)
    return merge(out)
