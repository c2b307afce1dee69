"""Email: an outbox table, written in the same transaction as the change it reports.

With MAIL_BACKEND "file" (development) a request that queued messages writes them as
.eml files under instance/mail as it finishes, after the view has committed. With "smtp"
(production) `flask send-email` delivers them on a schedule, so a slow mail relay never
holds up a booking, and retries anything that failed. "none" keeps them only in the
table. Because the message is a row, a rolled-back booking never sends an email, and
tests read the outbox directly.
"""

import smtplib
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, g, render_template
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class OutboundEmail(db.Model):
    __tablename__ = "outbound_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    attachment_name: Mapped[str | None] = mapped_column(sa.String(100))
    attachment_type: Mapped[str | None] = mapped_column(sa.String(100))  # e.g. text/calendar
    attachment: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))


def queue_email(to: str, subject: str, template: str, *, attachment: tuple[str, str, str] | None = None,
                **context) -> OutboundEmail:
    """Render a plain-text template (notifications/<template>.txt) into the outbox.

    `attachment` is (filename, mime type, text). The caller commits.
    """
    body = render_template(f"emails/{template}.txt", **context)
    message = OutboundEmail(to=to, subject=subject, body=body)
    if attachment:
        message.attachment_name, message.attachment_type, message.attachment = attachment
    db.session.add(message)
    g.emails_queued = True
    return message


def init_mail(app: Flask) -> None:
    @app.after_request
    def deliver_to_files(response):
        # Only the development backend delivers in the request: it is a local file write.
        if g.pop("emails_queued", False) and app.config["MAIL_BACKEND"] == "file":
            deliver_pending()
        return response


def _as_mime(message: OutboundEmail) -> EmailMessage:
    mime = EmailMessage()
    mime["From"] = current_app.config["MAIL_SENDER"]
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime.set_content(message.body)
    if message.attachment:
        maintype, subtype = (message.attachment_type or "text/plain").split("/", 1)
        mime.add_attachment(message.attachment.encode(), maintype=maintype, subtype=subtype,
                            filename=message.attachment_name)
    return mime


def deliver_pending(limit: int = 100) -> int:
    """Send unsent messages; returns how many were sent. Failures are kept for a retry."""
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "none":
        return 0
    pending = db.session.scalars(
        sa.select(OutboundEmail).where(OutboundEmail.sent_at.is_(None), OutboundEmail.attempts < 5)
        .order_by(OutboundEmail.id).limit(limit)
    ).all()
    sent = 0
    for message in pending:
        message.attempts += 1
        try:
            mime = _as_mime(message)
            if backend == "file":
                folder = Path(current_app.instance_path) / "mail"
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"{message.id:06d}.eml").write_bytes(bytes(mime))
            else:
                config = current_app.config
                with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
                    if config["MAIL_USE_TLS"]:
                        smtp.starttls()
                    if config["MAIL_USERNAME"]:
                        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                    smtp.send_message(mime)
            message.sent_at = utcnow()
            sent += 1
        except (OSError, smtplib.SMTPException) as error:
            message.last_error = str(error)[:500]
            current_app.logger.warning("email %s not sent: %s", message.id, error)
    db.session.commit()
    return sent
