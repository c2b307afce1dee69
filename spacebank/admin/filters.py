"""List filters that speak London dates and the models' own enum labels."""

from datetime import date, time, timedelta

from flask_admin.contrib.sqla.filters import DateGreaterFilter, DateSmallerFilter, FilterEqual

from ..timeutil import local_datetime


class LondonDayFromFilter(DateGreaterFilter):
    """On or after a London date, on a UTC timestamp column."""

    def operation(self):
        return "on or after"

    def apply(self, query, value: date, alias=None):
        return query.filter(self.get_column(alias) >= local_datetime(value, time(0)))


class LondonDayUntilFilter(DateSmallerFilter):
    """On or before a London date (to the end of that day)."""

    def operation(self):
        return "on or before"

    def apply(self, query, value: date, alias=None):
        return query.filter(self.get_column(alias) < local_datetime(value + timedelta(days=1), time(0)))


def day_filters(column, name: str) -> list:
    return [LondonDayFromFilter(column, name), LondonDayUntilFilter(column, name)]


class EnumFilter(FilterEqual):
    """Equals one of an enum's values, offered by label; anything else is ignored as invalid."""

    def __init__(self, column, name, enum_class):
        super().__init__(column, name, options=[(member.value, member.label) for member in enum_class])
        self.members = enum_class  # not "enum_class": the theme's template would show raw values

    def validate(self, value):
        return value in {member.value for member in self.members}

    def clean(self, value):
        return self.members(value)
