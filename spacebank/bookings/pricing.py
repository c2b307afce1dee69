"""Prices, worked out on the server from a space's tariffs. Integer pence throughout.

Pure functions: give them the tariff values and the booking's UTC instants. Length is
measured between instants, not wall-clock times, so a booking over a clock change is
charged for the hours actually used (01:00–03:00 on the last Sunday of October is 3 hours).
"""

from dataclasses import dataclass
from datetime import datetime


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

    @property
    def total_due_pence(self) -> int:
        return self.price_pence + self.deposit_pence


def billed_minutes(minutes: int, unit: int) -> int:
    """Rounded up to whole billing units: 61 minutes per hour bills 120."""
    return -(-minutes // unit) * unit


def quote(rate: Rate, starts_at: datetime, ends_at: datetime, *, verified_group: bool) -> Quote:
    if ends_at <= starts_at:
        raise ValueError("a booking must end after it starts")
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    billed = billed_minutes(minutes, rate.billing_unit_minutes)
    if verified_group and rate.free_for_verified_groups:
        return Quote(0, rate.deposit_pence, minutes, billed, free_use=True)
    # pence_per_hour * billed / 60 is exact for 30- and 60-minute units when the hourly
    # rate is even; round half up on odd rates so nobody is charged a fraction of a penny.
    price = (rate.pence_per_hour * billed + 30) // 60
    return Quote(price, rate.deposit_pence, minutes, billed, free_use=False)


def rate_from_tariff(tariff) -> Rate:
    return Rate(tariff.pence_per_hour, tariff.billing_unit_minutes, tariff.free_for_verified_groups,
                tariff.deposit_pence)
