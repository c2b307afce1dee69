"""One JSON log line per request, tagged with a request id that is also sent back."""

import json
import logging
import time
import uuid

from flask import Flask, g, request

log = logging.getLogger("spacebank.requests")


def configure_request_logging(app: Flask) -> None:
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

    @app.before_request
    def start_timer():
        incoming = request.headers.get("X-Request-ID", "")
        # Accept a load balancer's id only if it is short and plain; never log raw input.
        g.request_id = incoming if 0 < len(incoming) <= 64 and incoming.replace("-", "").isalnum() else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers["X-Request-ID"] = request_id
        if app.config.get("REQUEST_LOGGING", True) and not request.path.startswith("/assets/"):
            log.info(json.dumps({
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000, 1),
            }))
        return response
