"""A realistic, fictional borough for development and demos: `flask seed-demo`.

33 council community halls and 8 library rooms over Hackney's postcode districts,
demo accounts for each role, closures and several weeks of bookings. Running it
again adds only what is missing. Dates are relative to today so the demo stays
current.
"""

import random
from dataclasses import dataclass
from datetime import date, time, timedelta

import sqlalchemy as sa
from flask import current_app
from govuk_bank_holidays.bank_holidays import BankHolidays

from . import geo
from .accounts.models import Group, GroupKind, GroupMembership, Role, User, Verification
from .accounts.passwords import hash_password
from .bookings.locks import attach_locks, new_reference
from .bookings.pricing import quote, rate_from_tariff
from .bookings.models import Booking, BookingSeries, BookingStatus, Frequency
from .extensions import db
from .timeutil import local_datetime, today_local, utcnow
from .venues.models import Closure, HirerCategory, OpeningHours, Service, Space, Tariff, Venue, VenueKind

DEMO_PASSWORD_SUFFIX = "-demo-Spacebank-2026"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    service_slug: str | None = None

    @property
    def password(self) -> str:
        return self.email.split("@")[0] + DEMO_PASSWORD_SUFFIX


DEMO_ACCOUNTS = [
    DemoAccount("resident@example.com", "Rosa Resident", Role.RESIDENT),
    DemoAccount("group@example.com", "Gabriel Group-Leader", Role.RESIDENT),
    DemoAccount("housing@example.com", "Hana Housing-Officer", Role.HOUSING_OFFICER, "community-halls"),
    DemoAccount("library@example.com", "Lewis Library-Staff", Role.LIBRARY_STAFF, "libraries"),
    DemoAccount("admin@example.com", "Ada Administrator", Role.ADMINISTRATOR),
]

# (name, street address, postcode). Fictional halls on real postcodes.
HALLS = [
    ("Pembury Community Hall", "1 Dalston Lane", "E8 1FF"),
    ("Navarino Hall", "12 Navarino Road", "E8 1XA"),
    ("Dalston Lane Room", "40 Dalston Lane", "E8 1BZ"),
    ("Holly Street Community Hall", "3 Holly Street", "E8 3UP"),
    ("Queensbridge Hall", "88 Queensbridge Road", "E8 3BN"),
    ("Kingsland Tenants' Hall", "5 Kingsland Road", "E8 4AZ"),
    ("Shacklewell Community Hall", "22 Shacklewell Lane", "E8 2BF"),
    ("Rhodes Estate Hall", "7 Rhodes Street", "E8 2DN"),
    ("Wilton Estate Hall", "14 Wilton Way", "E8 3SL"),
    ("Lansdowne Drive Hall", "60 Lansdowne Drive", "E8 4RX"),
    ("Clapton Park Hall", "2 Mandeville Street", "E5 0BW"),
    ("Millfields Community Room", "31 Millfields Road", "E5 0JN"),
    ("Nightingale Estate Hall", "9 Rendlesham Road", "E5 8RA"),
    ("Kenninghall Hall", "18 Kenninghall Road", "E5 8BP"),
    ("Upper Clapton Hall", "101 Upper Clapton Road", "E5 9GU"),
    ("Springfield Hall", "4 Spring Hill", "E5 9WH"),
    ("Frampton Park Hall", "25 Frampton Park Road", "E9 7EP"),
    ("Kingsmead Community Hall", "1 Kingsmead Way", "E9 5BQ"),
    ("Gascoyne Estate Hall", "10 Gascoyne Road", "E9 6BG"),
    ("Wyke Estate Room", "3 Wyke Road", "E9 5TY"),
    ("Mabley Green Hall", "8 Homerton Road", "E9 6HS"),
    ("Haggerston Community Hall", "50 Haggerston Road", "E2 8WD"),
    ("Hoxton Street Hall", "120 Hoxton Street", "E2 8EB"),
    ("Cambridge Heath Hall", "6 Cambridge Heath Road", "E2 9XQ"),
    ("Bethnal Green Road Room", "2 Teale Street", "E2 9FT"),
    ("De Beauvoir Hall", "16 De Beauvoir Road", "N1 5YB"),
    ("Southgate Road Hall", "77 Southgate Road", "N1 5HL"),
    ("Shepherdess Walk Hall", "11 Shepherdess Walk", "N1 6US"),
    ("Wenlock Barn Hall", "4 Wenlock Street", "N1 6BS"),
    ("Woodberry Down Community Hall", "20 Woodberry Grove", "N4 2UX"),
    ("Lordship South Hall", "5 Lordship Road", "N16 5WN"),
    ("Stamford Hill Estate Hall", "30 Stamford Hill", "N16 6NF"),
    ("Stoke Newington Church Street Hall", "45 Church Street", "N16 0YP"),
]

LIBRARIES = [
    ("Hackney Central Library", "Meeting room", "1 Reading Lane", "E8 1GZ"),
    ("Dalston CLR James Library", "Community room", "24 Dalston Square", "E8 3GP"),
    ("Stoke Newington Library", "Study room", "184 Church Street", "N16 0UG"),
    ("Homerton Library", "Meeting room", "Homerton High Street", "E9 6BE"),
    ("Clapton Library", "Group room", "Northwold Road", "E5 8EF"),
    ("Shoreditch Library", "Meeting room", "80 Hoxton Street", "N1 6WD"),
    ("Stamford Hill Library", "Community room", "Portland Avenue", "N16 6JB"),
    ("Woodberry Down Library", "Learning room", "Woodberry Grove", "N4 2GH"),
]


def slugify(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower().replace("'", "")).split())


def next_weekday(today: date, weekday: int) -> date:
    """The next such weekday strictly after today."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def seed_demo(today: date | None = None) -> dict:
    """Load the demo borough; returns counts of what was added."""
    today = today or today_local()
    rng = random.Random(2026)
    added = {"venues": 0, "users": 0, "bookings": 0}

    services = {
        "community-halls": _get_or_create(Service, slug="community-halls", defaults={
            "name": "Housing – Community Halls", "contact_email": "halls@hackney.gov.uk", "free_hours_per_group_month": 20}),
        "libraries": _get_or_create(Service, slug="libraries", defaults={
            "name": "Libraries", "contact_email": "libraries@hackney.gov.uk", "free_hours_per_group_month": 12}),
    }
    db.session.flush()

    users = {}
    for account in DEMO_ACCOUNTS:
        user = db.session.scalar(sa.select(User).where(User.email == account.email))
        if user is None:
            user = User(email=account.email, name=account.name, role=account.role,
                        password_hash=hash_password(account.password), email_confirmed_at=utcnow(),
                        service=services[account.service_slug] if account.service_slug else None,
                        phone="020 7946 0000")
            db.session.add(user)
            added["users"] += 1
        users[account.email] = user
    db.session.flush()

    group = db.session.scalar(sa.select(Group).where(Group.name == "Hackney Wick Knitting Circle"))
    if group is None:
        group = Group(name="Hackney Wick Knitting Circle", kind=GroupKind.CONSTITUTED,
                      description="A weekly knitting and chat group for older residents.",
                      contact_email="group@example.com", verification=Verification.VERIFIED,
                      verified_at=utcnow(), verified_by=users["housing@example.com"])
        group.memberships.append(GroupMembership(user=users["group@example.com"], is_admin=True))
        db.session.add(group)
        pending = Group(name="Clapton Youth Football", kind=GroupKind.OTHER, contact_email="group@example.com",
                        description="Training and team talks for under-14s.", verification=Verification.PENDING,
                        verification_requested_at=utcnow())
        pending.memberships.append(GroupMembership(user=users["group@example.com"], is_admin=True))
        db.session.add(pending)

    new_spaces: list[Space] = []
    for index, (name, street, postcode) in enumerate(HALLS):
        venue = _venue(services["community-halls"], name, VenueKind.COMMUNITY_HALL, street, postcode, rng)
        if venue is None:
            continue
        added["venues"] += 1
        new_spaces += _hall_spaces(venue, index, rng)
    for name, room, street, postcode in LIBRARIES:
        venue = _venue(services["libraries"], name, VenueKind.LIBRARY, street, postcode, rng)
        if venue is None:
            continue
        added["venues"] += 1
        new_spaces += _library_space(venue, room, rng)
    db.session.flush()

    if new_spaces:
        _closures(new_spaces, today)
        added["bookings"] = _bookings(new_spaces, users, group, today, rng)
    db.session.commit()
    return added


def _get_or_create(model, defaults: dict, **keys):
    obj = db.session.scalar(sa.select(model).filter_by(**keys))
    if obj is None:
        obj = model(**keys, **defaults)
        db.session.add(obj)
    return obj


def _venue(service, name, kind, street, postcode, rng) -> Venue | None:
    slug = slugify(name)
    if db.session.scalar(sa.select(Venue.id).where(Venue.slug == slug)):
        return None
    place = geo.lookup_postcode(postcode)
    is_library = kind == VenueKind.LIBRARY
    venue = Venue(
        service=service, name=name, slug=slug, kind=kind, address_line_1=street, town="London",
        postcode=postcode, latitude=place.latitude, longitude=place.longitude, is_published=True,
        description=(f"{name} is a council-run {'library' if is_library else 'community hall'} "
                     "used for classes, meetings, parties and community events."),
        getting_there=rng.choice([
            "Buses 38, 56 and 242 stop nearby. The nearest Overground station is a 5-minute walk.",
            "Buses 30 and 236 stop outside. Cycle stands at the front entrance.",
            "10 minutes' walk from the Overground station. Buses 106 and 253 stop close by.",
        ]),
        access_instructions=("Collect the key from the library reception." if is_library else
                             "The caretaker opens the hall 15 minutes before your booking and locks up after it. "
                             "You will get their phone number with your confirmation."),
        step_free_access=is_library or rng.random() < 0.75,
        accessible_toilet=is_library or rng.random() < 0.6,
        hearing_loop=rng.random() < 0.35,
        baby_change=rng.random() < 0.5,
        parking=rng.random() < 0.3,
        contact_email=service.contact_email, contact_phone="020 8356 3000",
    )
    db.session.add(venue)
    return venue


def _hours(space: Space, ranges_by_weekday: dict[int, list[tuple[int, int]]]) -> None:
    for weekday, ranges in ranges_by_weekday.items():
        for opens, closes in ranges:
            space.opening_hours.append(OpeningHours(weekday=weekday, opens_at=time(opens),
                                                    closes_at=time(23, 59) if closes == 24 else time(closes)))


def _tariffs(space: Space, community: int, resident: int, commercial: int, *, free: bool, deposit: int,
             unit: int = 60) -> None:
    space.tariffs = [
        Tariff(category=HirerCategory.COMMUNITY, pence_per_hour=community, free_for_verified_groups=free,
               billing_unit_minutes=unit),
        Tariff(category=HirerCategory.RESIDENT, pence_per_hour=resident, deposit_pence=deposit, billing_unit_minutes=unit),
        Tariff(category=HirerCategory.COMMERCIAL, pence_per_hour=commercial, deposit_pence=deposit * 2,
               billing_unit_minutes=unit),
    ]


def _hall_spaces(venue: Venue, index: int, rng: random.Random) -> list[Space]:
    if venue.name == "Dalston Lane Room":
        capacity = 12  # deliberately small: too small for a group of 20
    else:
        capacity = rng.choice([20, 30, 40, 50, 60, 80, 100, 120, 150])
    main = Space(venue=venue, name="Main hall", slug="main-hall", capacity_seated=capacity,
                 capacity_standing=int(capacity * 1.3), has_kitchen=rng.random() < 0.7,
                 has_wifi=rng.random() < 0.6, has_projector=rng.random() < 0.3, has_sink=True,
                 has_stage=capacity >= 100, requires_approval=capacity >= 120,
                 description=f"A hall for up to {capacity} people seated.",
                 rules="No amplified music after 10pm. Leave the hall as you found it. No alcohol without a licence.")
    # Most halls open 9am to 11pm every day; a few close early on Sundays.
    sunday_close = 23 if rng.random() < 0.8 else 18
    _hours(main, {d: [(9, 23)] for d in range(6)} | {6: [(9, sunday_close)]})
    community = rng.choice([1000, 1200, 1500])
    _tariffs(main, community, community + 1000, rng.choice([3000, 3500, 4000, 5000]),
             free=index % 3 == 0, deposit=5000 if capacity >= 80 else 0)
    spaces = [main]
    if capacity >= 80 and index % 4 == 1:
        # This hall splits into two halves that can be booked on their own.
        for half in ("East half", "West half"):
            part = Space(venue=venue, parent=main, name=f"Main hall – {half.lower()}", slug=slugify(half),
                         capacity_seated=capacity // 2, capacity_standing=int(capacity * 0.65),
                         has_sink=True, description="Half of the main hall, divided by a folding wall.")
            _hours(part, {d: [(9, 23)] for d in range(7)})
            _tariffs(part, community // 2 + 500, community // 2 + 1000, 3000, free=index % 3 == 0, deposit=0)
            spaces.append(part)
    if rng.random() < 0.4:
        room = Space(venue=venue, name="Meeting room", slug="meeting-room", capacity_seated=rng.choice([10, 12, 15]),
                     capacity_standing=15, has_wifi=True, has_tables_chairs=True, min_booking_minutes=60,
                     description="A small room for meetings and classes.", turnaround_minutes=15)
        _hours(room, {d: [(9, 21)] for d in range(7)})
        _tariffs(room, 1000, 1500, 3000, free=True, deposit=0, unit=30)
        spaces.append(room)
    venue.spaces.extend(spaces)
    return spaces


def _library_space(venue: Venue, room_name: str, rng: random.Random) -> list[Space]:
    capacity = rng.choice([10, 12, 16, 20, 30])
    space = Space(venue=venue, name=room_name, slug=slugify(room_name), capacity_seated=capacity,
                  capacity_standing=capacity, has_wifi=True, has_projector=rng.random() < 0.6,
                  has_tables_chairs=True, turnaround_minutes=15, min_booking_minutes=60,
                  max_booking_minutes=240, description="A quiet room in the library for meetings, study groups and classes.",
                  rules="Library opening hours apply. No food except light refreshments.")
    _hours(space, {d: [(9, 19)] for d in range(5)} | {5: [(10, 17)]} | {6: [(12, 16)]})
    _tariffs(space, 800, 1500, 3000, free=True, deposit=0, unit=30)
    venue.spaces.append(space)
    return [space]


def _closures(spaces: list[Space], today: date) -> None:
    venues = {space.venue for space in spaces}
    holidays = BankHolidays(use_cached_holidays=True)
    for year in (today.year, today.year + 1):
        for holiday in holidays.get_holidays(division=BankHolidays.ENGLAND_AND_WALES, year=year):
            day = holiday["date"]
            if day < today:
                continue
            for venue in venues:
                db.session.add(Closure(venue=venue, starts_at=local_datetime(day, time(0)),
                                       ends_at=local_datetime(day + timedelta(days=1), time(0)),
                                       reason=f"Closed for the bank holiday ({holiday['title']})"))
    by_name = {v.name: v for v in venues}
    if "Navarino Hall" in by_name:
        # Closed over the coming fortnight, so searches for next week do not offer it.
        db.session.add(Closure(venue=by_name["Navarino Hall"], starts_at=local_datetime(today, time(0)),
                               ends_at=local_datetime(today + timedelta(days=15), time(0)),
                               reason="Closed while the kitchen is refurbished"))


PURPOSES = ["Yoga class", "Tenants' association meeting", "Children's birthday party", "Choir rehearsal",
            "Coffee morning", "Homework club", "Community lunch", "Dance class", "Residents' surgery",
            "Baby and toddler group", "Family celebration", "Art workshop"]


def _bookings(spaces: list[Space], users: dict, group: Group, today: date, rng: random.Random) -> int:
    count = 0
    resident, leader = users["resident@example.com"], users["group@example.com"]
    taken: dict[int, list[tuple]] = {}

    def add(space, day, start_hour, hours, booker, status=BookingStatus.CONFIRMED, series=None, group_=None):
        nonlocal count
        start = local_datetime(day, time(start_hour))
        end = local_datetime(day, time(start_hour + hours)) if start_hour + hours < 24 else local_datetime(day, time(23, 59))
        units = space.unit_ids()
        pad = timedelta(minutes=space.turnaround_minutes + 60)  # keep demo bookings clear of each other
        for unit in units:
            for s, e in taken.get(unit, []):
                if start < e + pad and s < end + pad:
                    return None
        for unit in units:
            taken.setdefault(unit, []).append((start, end))
        category = HirerCategory.COMMUNITY if group_ else HirerCategory.RESIDENT
        price = quote(rate_from_tariff(space.tariff_for(category)), start, end, verified_group=group_ is not None)
        booking = Booking(space=space, booker=booker, group=group_, series=series, starts_at=start, ends_at=end,
                          status=status, hirer_category=category, purpose=rng.choice(PURPOSES),
                          attendees=max(1, min(space.capacity, rng.randint(8, 40))), price_pence=price.price_pence,
                          deposit_pence=price.deposit_pence, reference=new_reference(),
                          accepted_conditions_at=utcnow(),
                          expires_at=utcnow() + timedelta(days=current_app.config["REQUEST_EXPIRY_DAYS"])
                          if status == BookingStatus.REQUESTED else None)
        if booking.is_active:
            attach_locks(booking)
        else:
            db.session.add(booking)
        count += 1
        return booking

    # The first hall has a weekly Thursday-evening group: a search for next Thursday
    # 6pm to 8pm near E8 1DY finds it booked.
    pembury = next((s for s in spaces if s.venue.name == "Pembury Community Hall" and s.parent is None), None)
    if pembury:
        series = BookingSeries(space=pembury, booker=leader, frequency=Frequency.WEEKLY)
        db.session.add(series)
        thursday = next_weekday(today, 3)
        for week in range(-2, 8):
            add(pembury, thursday + timedelta(weeks=week), 18, 3, leader, series=series, group_=group)

    for space in spaces:
        if space.parent is not None:
            continue
        for offset in range(-14, 29):
            day = today + timedelta(days=offset)
            if rng.random() < 0.45:
                start = rng.choice([10, 13, 16, 19])
                status = BookingStatus.CONFIRMED
                if offset > 2 and space.requires_approval and rng.random() < 0.3:
                    status = BookingStatus.REQUESTED
                add(space, day, start, rng.choice([1, 2, 3]), rng.choice([resident, leader]), status=status)
    # A few cancelled and declined bookings, for history.
    for space in spaces[:4]:
        add(space, today + timedelta(days=3), 9, 1, resident, status=BookingStatus.CANCELLED)
    for space in spaces[4:6]:
        add(space, today + timedelta(days=5), 9, 1, resident, status=BookingStatus.DECLINED)
    # Half-hall bookings on the split halls.
    for space in spaces:
        if space.parent is not None:
            add(space, today + timedelta(days=6), 11, 2, resident)
    return count


def print_demo_sign_ins() -> str:
    lines = ["Demo sign-ins (development only):"]
    for account in DEMO_ACCOUNTS:
        lines.append(f"  {account.role.label:<16} {account.email:<24} {account.password}")
    return "\n".join(lines)
