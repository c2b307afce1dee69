"""Every HTTP error gets a GOV.UK page (or JSON for API clients); nothing leaks a trace."""

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: ("There is a problem with your request", "Check what you entered and try again."),
    403: ("You do not have permission to see this page", "If you think you should, contact the council."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address."),
    405: ("Page not found", "This page cannot be used in that way."),
    413: ("The file is too large", "Choose a smaller file and try again."),
    429: ("Too many attempts", "You have tried too many times. Wait a few minutes and try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. If you were making a booking, it has not been saved unless you received a confirmation."),
    503: ("Sorry, the service is unavailable", "Try again later."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(code: int, detail: str | None = None):
    title, body = MESSAGES.get(code, MESSAGES[400] if code < 500 else MESSAGES[500])
    if wants_json():
        return jsonify(error=title, detail=detail or body), code
    return render_template("error.html", code=code, title=title, body=detail or body), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, "Your form expired or was sent from another site. Go back, reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code >= 500:
            return render_error(error.code)
        return render_error(error.code or 400)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("unhandled error")
        from .extensions import db

        db.session.rollback()
        return render_error(InternalServerError.code)
