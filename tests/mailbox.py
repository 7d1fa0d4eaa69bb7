"""A real SMTP server on localhost (aiosmtpd) that keeps what it receives, for the tests.

Use the ``mailbox`` fixture: it starts the server, points the app's mail settings at it for
the test, and gives the messages received as parsed ``EmailMessage`` objects.
"""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class _Keeper:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.received = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.received:
            self.messages.append(message)
            self.received.notify_all()
        return "250 Message accepted for delivery"


class Mailbox:
    """A running SMTP server and the messages it has received."""

    def __init__(self):
        self._keeper = _Keeper()
        self.port = _free_port()
        self._controller: Controller | None = None

    def start(self) -> Mailbox:
        """Listen on the mailbox's port (again, after :meth:`stop`: a relay that was down
        and is back, keeping what it had received)."""
        self._controller = Controller(self._keeper, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening: a connection to the port is refused until :meth:`start`."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def clear(self) -> None:
        with self._keeper.received:
            self._keeper.messages.clear()

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self._keeper.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, count: int = 1, timeout: float = 10) -> list[EmailMessage]:
        """Wait until at least ``count`` messages have arrived (for a browser test's server)."""
        with self._keeper.received:
            self._keeper.received.wait_for(lambda: len(self._keeper.messages) >= count, timeout)
        return self.messages

    def settings(self) -> dict:
        return {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": self.port,
            "MAIL_USE_TLS": False,
            "MAIL_USE_SSL": False,
            "MAIL_USERNAME": None,
        }


def body_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
