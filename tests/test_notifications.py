"""The email outbox: rows written with the change, delivered to files or over SMTP."""

import socket
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from spacebank.extensions import db
from spacebank.notifications import OutboundEmail, deliver_pending

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def queue_one(to="rosa@example.com"):
    # A template-free row keeps these tests about delivery, not wording.
    message = OutboundEmail(to=to, subject="Your booking is confirmed", body="Reference: SB-TEST-0001",
                            attachment_name="booking.ics", attachment_type="text/calendar", attachment=ICS)
    db.session.add(message)
    db.session.commit()
    return message


def test_file_backend_writes_an_eml_with_its_calendar_attachment(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "file")
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    message = queue_one()

    assert deliver_pending() == 1

    written = message_from_bytes((tmp_path / "mail" / f"{message.id:06d}.eml").read_bytes(), policy=policy.default)
    assert written["To"] == "rosa@example.com"
    assert written.get_body().get_content().strip() == "Reference: SB-TEST-0001"
    attachment = next(written.iter_attachments())
    assert attachment.get_filename() == "booking.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert db.session.get(OutboundEmail, message.id).sent_at is not None
    assert deliver_pending() == 0  # sent messages are not sent again


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_smtp_backend_sends_to_the_relay(app, monkeypatch):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        queue_one()
        assert deliver_pending() == 1
    finally:
        controller.stop()
    assert [e.rcpt_tos for e in inbox.messages] == [["rosa@example.com"]]
    assert b"Reference: SB-TEST-0001" in inbox.messages[0].content


def test_an_unreachable_relay_keeps_the_message_for_a_retry(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    message = queue_one()

    assert deliver_pending() == 0

    kept = db.session.get(OutboundEmail, message.id)
    assert kept.sent_at is None and kept.attempts == 1 and kept.last_error


def test_in_development_a_request_that_queues_an_email_writes_it_as_it_finishes(app, make, client, tmp_path,
                                                                                monkeypatch):
    from .conftest import csrf_token

    monkeypatch.setitem(app.config, "MAIL_BACKEND", "file")
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    make.user(email="rosa@example.com")
    db.session.commit()

    response = client.post("/forgotten-password", data={
        "csrf_token": csrf_token(client, "/forgotten-password"), "email": "rosa@example.com"})

    assert response.status_code == 302
    [written] = list((tmp_path / "mail").glob("*.eml"))
    assert "To: rosa@example.com" in written.read_text()
