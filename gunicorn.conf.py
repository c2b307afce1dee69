"""Gunicorn settings for Spacebank: `gunicorn wsgi:app` reads this file from the working directory.

Everything can be overridden with environment variables, so the same file serves a
laptop, CI and the council's hosting. See docs/production.md.
"""

import os

# The platform gives the port; bind all interfaces only when told to (containers).
bind = os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"

# Two workers by default (the platform's convention is WEB_CONCURRENCY). Each worker
# keeps its own database pool (pool_size 10 + overflow 10), so workers x 20 must stay
# under PostgreSQL's max_connections.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))

# Threads let a worker overlap database waits; pages are short and mostly wait on PostgreSQL.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Load the app before forking: a configuration error (missing SECRET_KEY) stops the master
# at once instead of making workers crash-loop. The database pool is created lazily, per worker.
preload_app = True

timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5

# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200

# The app writes one JSON line per request with its X-Request-ID (spacebank/logs.py);
# gunicorn's own access log would only duplicate it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Trust X-Forwarded-For/-Proto only from the load balancer, so HTTPS detection, secure
# cookies and rate limits by client address work behind it.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips
