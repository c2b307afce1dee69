"""The WSGI entry point for production servers: `gunicorn wsgi:app` (see gunicorn.conf.py)."""

from spacebank import create_app

app = create_app()
