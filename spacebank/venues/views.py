from flask import abort, render_template

from . import bp, queries


@bp.get("/")
def start():
    return render_template("venues/start.html")


@bp.get("/venues")
def venue_list():
    return render_template("venues/venue_list.html", venues=queries.published_venues())


@bp.get("/venues/<slug>")
def venue_detail(slug: str):
    venue = queries.published_venue(slug)
    if venue is None:
        abort(404)
    return render_template("venues/venue_detail.html", venue=venue)


@bp.get("/spaces")
def search():
    # Replaced by the find-a-space search (issue 3).
    return render_template("venues/venue_list.html", venues=queries.published_venues())


@bp.get("/accessibility-statement")
def accessibility_statement():
    return render_template("venues/accessibility_statement.html")


@bp.get("/privacy")
def privacy():
    return render_template("venues/privacy.html")
