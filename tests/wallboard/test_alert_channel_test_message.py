"""A channel's "Send a test message" in the admin: sent at once through the real path (a real
SMTP server, a real webhook receiver), and a failure is said on the page."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from tests.alert_receivers import SmtpServer, WebhookReceiver
from wallboard.models import AlertChannel

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(client: Any, django_user_model: Any) -> Any:
    user = django_user_model.objects.create_superuser("boss", password="pw")
    client.force_login(user)
    return client


def send_test(client: Any, *channels: AlertChannel) -> str:
    response = client.post(
        "/admin/wallboard/alertchannel/",
        {"action": "send_test", "_selected_action": [c.pk for c in channels]},
        follow=True,
    )
    return str(response.content.decode())


def test_a_test_message_reaches_the_mailbox_and_the_signed_webhook(
    supervisor: Any, settings: Any
) -> None:
    hooks = WebhookReceiver().start()
    try:
        with SmtpServer() as smtp:
            settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
            settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
            mail = AlertChannel.objects.create(
                name="duty", kind="email", recipients="duty@example.com"
            )
            hook = AlertChannel.objects.create(
                name="ops", kind="webhook", url=hooks.url(), secret="k"
            )
            page = send_test(supervisor, mail, hook)
            assert "Duty: test message sent to duty@example.com" in page
            assert f"Ops: test message sent to {hooks.url()}" in page
            (message,) = smtp.messages
            assert str(message["Subject"]) == "[INFO] Test message: the channel duty"
            assert "sent by boss" in message.get_content()
        (post,) = hooks.posts()
        expected = "sha256=" + hmac.new(b"k", post.body, hashlib.sha256).hexdigest()
        assert post.headers["X-Wallboard-Signature"] == expected
        assert post.json()["rule_kind"] == "test"
    finally:
        hooks.stop()


def test_a_test_message_that_cannot_be_sent_says_why(supervisor: Any) -> None:
    down = WebhookReceiver()  # nothing listening
    slack = AlertChannel.objects.create(name="slack", kind="slack", url=down.url())
    page = send_test(supervisor, slack)
    assert "Slack: not sent:" in page and "refused" in page.lower()
