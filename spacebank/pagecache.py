"""A whole-page cache for what signed-out visitors read: search, venue and space pages.

Those pages are the same for every signed-out visitor, and a popular hall's page is read
far more often than anything on it changes. Each worker keeps recently rendered pages in
memory, keyed by the URL, the current minute (free times depend on notice periods that
move with the clock) and a data version kept in the database. Every commit that changes a
venue, space, opening hours, closure, tariff, photo or booking increases the version
after it commits, so the next request in any worker misses the cache and sees the change:
a cached page is never older than the last committed booking.

Served pages keep the CSP nonce they were rendered with (reused for at most a minute);
everything else about the response is rebuilt per request (headers, request id).
"""

from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from threading import Lock

import sqlalchemy as sa
from flask import Flask, Response, current_app, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db
from .timeutil import utcnow

CACHEABLE_ENDPOINTS = frozenset({
    "venues.start", "venues.venue_list", "venues.venue_detail", "venues.space_detail", "venues.search",
    "venues.accessibility_statement", "venues.privacy",
})


class DataVersion(db.Model):
    """One row whose value increases after every change to what public pages show."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    mimetype: str
    nonce: str


class PageStore:
    """A small thread-safe LRU of rendered pages."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._pages: OrderedDict[tuple, CachedPage] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: CachedPage) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)


@cache
def _tracked_classes() -> tuple[type, ...]:
    # Imported on first use: the models import this module's `db` first.
    from .bookings.models import Booking, BookingLock, BookingSeries
    from .venues.models import Closure, OpeningHours, Service, Space, Tariff, Venue, VenuePhoto

    return (Venue, Space, OpeningHours, Closure, Tariff, VenuePhoto, Service, Booking, BookingLock, BookingSeries)


@event.listens_for(Session, "after_flush")
def _note_public_changes(session, _flush_context):
    if session.info.get("public_data_changed"):
        return
    tracked = _tracked_classes()
    if any(isinstance(obj, tracked) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info["public_data_changed"] = True


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session):
    if session.info.pop("public_data_changed", False):
        bump_version(session.get_bind())


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session):
    session.info.pop("public_data_changed", None)


def bump_version(bind) -> None:
    # Its own short transaction, after the change has committed: a reader can then only
    # ever cache fresh data under an old version, never old data under a new one.
    with bind.engine.begin() as conn:
        bumped = conn.execute(sa.update(DataVersion).values(value=DataVersion.value + 1)).rowcount
        if not bumped:  # the migration's row was removed (a wiped test database)
            conn.execute(sa.insert(DataVersion).values(id=1, value=1))


def current_version() -> int:
    return db.session.scalar(sa.select(DataVersion.value).where(DataVersion.id == 1)) or 0


def init_page_cache(app: Flask) -> None:
    store = PageStore(app.config.get("PAGE_CACHE_ENTRIES", 500))
    app.extensions["page_cache"] = store

    @app.before_request
    def serve_cached_page():
        if not _cacheable_request():
            return None
        key = (request.full_path, utcnow().strftime("%Y%m%d%H%M"), current_version())
        page = store.get(key)
        if page is None:
            request.page_cache_key = key
            return None
        request.csp_nonce = page.nonce  # the header must carry the nonce the page was rendered with
        request.page_cache_hit = True
        return Response(page.body, mimetype=page.mimetype)

    @app.after_request
    def keep_rendered_page(response: Response) -> Response:
        key = getattr(request, "page_cache_key", None)
        if (key is not None and response.status_code == 200 and not response.direct_passthrough
                and not session.modified and "Set-Cookie" not in response.headers):
            store.put(key, CachedPage(response.get_data(), response.mimetype, getattr(request, "csp_nonce", "")))
        if getattr(request, "page_cache_hit", False):
            response.headers["X-Page-Cache"] = "hit"
        return response


def _cacheable_request() -> bool:
    return (request.method == "GET" and request.endpoint in CACHEABLE_ENDPOINTS
            and not current_user.is_authenticated and not session
            and current_app.config.get("PAGE_CACHE", True))
