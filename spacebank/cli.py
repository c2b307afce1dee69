"""Command-line tasks: `flask --app spacebank <command>`."""

import click
import sqlalchemy as sa
from flask import Flask, current_app

from .extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only when the database has no venues yet.")
    def seed_demo_command(if_empty: bool):
        """Load the demo borough (halls, library rooms, accounts, bookings)."""
        from .demo import print_demo_sign_ins, seed_demo
        from .venues.models import Venue

        if current_app.config["SPACEBANK_ENV"] == "production":
            raise click.ClickException("seed-demo is for development; it creates accounts with known passwords")
        if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Venue)):
            click.echo("The database already has venues; demo data not loaded.")
        else:
            added = seed_demo()
            click.echo(f"Demo data: added {added['venues']} venues, {added['users']} users, {added['bookings']} bookings.")
        click.echo(print_demo_sign_ins())

    @app.cli.command("expire-requests")
    def expire_requests_command():
        """Expire requests nobody decided in time, freeing their slots (run on a schedule)."""
        from .bookings.operations import expire_overdue_requests
        from .timeutil import utcnow

        expired = expire_overdue_requests(utcnow())
        db.session.commit()
        click.echo(f"Expired {expired} requests.")

    @app.cli.command("send-email")
    def send_email_command():
        """Deliver queued emails (run on a schedule in production)."""
        from .notifications import deliver_pending

        click.echo(f"Sent {deliver_pending()} emails.")
