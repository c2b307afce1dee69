"""Booking pages. The booking flow is built in the booking issue."""

from flask import abort

from . import bp


@bp.get("/book/<int:space_id>")
def new_booking(space_id: int):
    # The start of the booking flow: query args date=YYYY-MM-DD, start=HH:MM, end=HH:MM.
    abort(404)
