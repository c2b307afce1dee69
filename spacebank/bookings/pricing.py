"""Prices, worked out on the server from a space's tariffs. Integer pence throughout.

Pure functions: give them the tariff values and the booking's UTC instants. Length is
measured between instants, not wall-clock times, so a booking over a clock change is
charged for the hours actually used (01:00–03:00 on the last Sunday of October is 3 hours).
"""

from dataclasses import dataclass
from datetime import datetime

from .intervals import Interval


@dataclass(frozen=True)
class Rate:
    pence_per_hour: int
    billing_unit_minutes: int = 60  # 30: per started half hour; 60: per started hour
    free_for_verified_groups: bool = False
    deposit_pence: int = 0


@dataclass(frozen=True)
class Quote:
    price_pence: int
    deposit_pence: int
    minutes: int
    billed_minutes: int
    free_use: bool  # a verified community group using a space the council offers free
    pence_per_hour: int = 0  # the rate charged, for the breakdown shown before confirming
    billing_unit_minutes: int = 60
    over_fair_use: bool = False  # free use was due but the group's monthly free hours ran out

    @property
    def total_due_pence(self) -> int:
        return self.price_pence + self.deposit_pence


def billed_minutes(minutes: int, unit: int) -> int:
    """Rounded up to whole billing units: 61 minutes per hour bills 120."""
    return -(-minutes // unit) * unit


def quote(rate: Rate, starts_at: datetime, ends_at: datetime, *, verified_group: bool,
          within_fair_use: bool = True) -> Quote:
    """The price of one booking.

    A verified group pays nothing where the tariff offers free use, as long as the booking
    stays within its fair-use hours for the month (rules.FairUse); beyond them it pays the
    community rate rather than being refused.
    """
    minutes = Interval(starts_at, ends_at).minutes  # raises ValueError if it ends before it starts
    billed = billed_minutes(minutes, rate.billing_unit_minutes)
    free_due = verified_group and rate.free_for_verified_groups
    if free_due and within_fair_use:
        return Quote(0, rate.deposit_pence, minutes, billed, free_use=True, pence_per_hour=0,
                     billing_unit_minutes=rate.billing_unit_minutes)
    # pence_per_hour * billed / 60 is exact for 30- and 60-minute units when the hourly
    # rate is even; round half up on odd rates so nobody is charged a fraction of a penny.
    price = (rate.pence_per_hour * billed + 30) // 60
    return Quote(price, rate.deposit_pence, minutes, billed, free_use=False, pence_per_hour=rate.pence_per_hour,
                 billing_unit_minutes=rate.billing_unit_minutes, over_fair_use=free_due)


def rate_from_tariff(tariff) -> Rate:
    return Rate(tariff.pence_per_hour, tariff.billing_unit_minutes, tariff.free_for_verified_groups,
                tariff.deposit_pence)
