"""A local HTTP server speaking the parts of GOV.UK Notify's API the service uses, so the
official client (``notifications-python-client``) is tested as it runs, over HTTP.

- ``POST /v2/notifications/sms`` and ``POST /v2/notifications/email``: 201 with the new
  notification's id and its text rendered from the server's templates (``((name))``
  placeholders; a placeholder without a value is a 400, as Notify answers);
- ``GET /v2/notifications/<id>``: 200 with its status (``"sending"`` until a test sets
  another with :meth:`NotifyServer.set_status`), 404 for an unknown id.

Every request must carry ``Authorization: Bearer <JWT>``: HS256, signed with the API
key's secret, ``iss`` the service id and ``iat`` within 30 seconds (checked with PyJWT,
as Notify does); anything else is a 403 with Notify's error body. Each request is
recorded (:class:`Request`, with its JSON), and :meth:`fail_next` makes the next send
fail with a given status and message.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field

import jwt
from werkzeug.serving import make_server
from werkzeug.wrappers import Request as WsgiRequest
from werkzeug.wrappers import Response

SERVICE_ID = "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
SECRET = "0a1b2c3d-4e5f-4061-8273-9485a6b7c8d9"
API_KEY = f"mhst_test-{SERVICE_ID}-{SECRET}"
CLOCK_SKEW = 30

TEXT_TEMPLATE = "11111111-1111-4111-8111-111111111111"
TEXT_DISCREET_TEMPLATE = "22222222-2222-4222-8222-222222222222"
EMAIL_TEMPLATE = "33333333-3333-4333-8333-333333333333"
EMAIL_DISCREET_TEMPLATE = "44444444-4444-4444-8444-444444444444"
CAMPAIGN_EMAIL_TEMPLATE = "55555555-5555-4555-8555-555555555555"
# Sample templates as a service would write them in Notify: the first line of a text is
# what a locked phone shows.
TEMPLATES = {
    TEXT_TEMPLATE: "Reminder from ((service)): an appointment on ((date)) at ((time)), "
    "((place)).\nTo change it, reply or call the team.",
    TEXT_DISCREET_TEMPLATE: "Reminder: your appointment is on ((date)) at ((time)), ((place)).\n"
    "To change it, reply to this message.",
    EMAIL_TEMPLATE: "Your appointment with ((service)) is on ((date)) at ((time)), ((place)).",
    EMAIL_DISCREET_TEMPLATE: "Your appointment is on ((date)) at ((time)), ((place)).",
    # A campaign to schools (mhst/campaigns/sending.py); its subject is ((subject)).
    CAMPAIGN_EMAIL_TEMPLATE: "((message))\n\nResources:\n((resources))\n\n"
    "The campaign's page: ((link))",
}
SUBJECT = "Your appointment tomorrow"
PLACEHOLDER = re.compile(r"\(\(([^)]+)\)\)")


@dataclass
class Request:
    method: str
    path: str
    json: dict | None
    claims: dict


@dataclass
class Notification:
    id: str
    kind: str  # "sms" or "email"
    to: str
    body: str
    reference: str | None
    status: str = "sending"


@dataclass
class NotifyServer:
    port: int = 0
    requests: list[Request] = field(default_factory=list)
    notifications: dict[str, Notification] = field(default_factory=dict)
    failure: tuple[int, str, str] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        self.requests.clear()
        self.notifications.clear()
        self.failure = None

    def fail_next(
        self, status: int = 400, error: str = "BadRequestError", message: str = ""
    ) -> None:
        self.failure = (status, error, message or "phone_number Not a UK mobile number")

    def set_status(self, notification_id: str, status: str) -> None:
        self.notifications[notification_id].status = status

    def sends(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST"]

    # ---- the API --------------------------------------------------------------------

    def __call__(self, environ, start_response):
        return self.respond(WsgiRequest(environ))(environ, start_response)

    def respond(self, request: WsgiRequest) -> Response:
        claims = self._claims(request.headers.get("Authorization", ""))
        if isinstance(claims, Response):
            return claims
        body = request.get_json(silent=True) if request.method == "POST" else None
        self.requests.append(Request(request.method, request.path, body, claims))
        if request.method == "POST" and request.path in (
            "/v2/notifications/sms",
            "/v2/notifications/email",
        ):
            return self._send(request.path.rsplit("/", 1)[1], body or {})
        found = re.fullmatch(r"/v2/notifications/([0-9a-f-]{36})", request.path)
        if request.method == "GET" and found:
            return self._status(found.group(1))
        return _error(404, "BadRequestError", "Not found")

    def _claims(self, header: str) -> dict | Response:
        if not header.startswith("Bearer "):
            return _error(401, "AuthError", "Unauthorized: authentication token must be provided")
        try:
            claims = jwt.decode(
                header[7:], SECRET, algorithms=["HS256"], options={"verify_iat": False}
            )
        except jwt.PyJWTError:
            return _error(403, "AuthError", "Invalid token: signature, api token not found")
        if claims.get("iss") != SERVICE_ID:
            return _error(403, "AuthError", "Invalid token: service not found")
        if abs(time.time() - int(claims.get("iat", 0))) > CLOCK_SKEW:
            return _error(
                403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds"
            )
        return claims

    def _send(self, kind: str, body: dict) -> Response:
        if self.failure is not None:
            status, error, message = self.failure
            self.failure = None
            return _error(status, error, message)
        template = TEMPLATES.get(body.get("template_id", ""))
        if template is None:
            return _error(400, "BadRequestError", "Template not found")
        values = body.get("personalisation") or {}
        missing = [name for name in PLACEHOLDER.findall(template) if name not in values]
        if missing:
            return _error(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")
        text = PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)
        to = body.get("phone_number" if kind == "sms" else "email_address", "")
        notification = Notification(str(uuid.uuid4()), kind, to, text, body.get("reference"))
        self.notifications[notification.id] = notification
        content = {"body": text, "from_number": "GOVUK"}
        if kind == "email":
            content = {"body": text, "subject": SUBJECT, "from_email": "team@notify.example"}
        return _json(
            201,
            {
                "id": notification.id,
                "reference": notification.reference,
                "content": content,
                "uri": f"{self.base_url}/v2/notifications/{notification.id}",
                "template": {"id": body["template_id"], "version": 1, "uri": ""},
            },
        )

    def _status(self, notification_id: str) -> Response:
        notification = self.notifications.get(notification_id)
        if notification is None:
            return _error(404, "NoResultFound", "No result found")
        return _json(
            200,
            {
                "id": notification.id,
                "reference": notification.reference,
                "type": notification.kind,
                "status": notification.status,
                "body": notification.body,
            },
        )


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _error(status: int, error: str, message: str) -> Response:
    return _json(status, {"status_code": status, "errors": [{"error": error, "message": message}]})


class RunningNotify:
    """The server in a thread of its own, on a free port; ``stop()`` ends it."""

    def __init__(self):
        self.api = NotifyServer()
        self._server = make_server("127.0.0.1", 0, self.api, threaded=True)
        self.api.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()


def configure(app, server: NotifyServer) -> dict:
    """Point ``app`` at ``server`` with its key and templates; returns the old values."""
    values = {
        "NOTIFY_API_KEY": API_KEY,
        "NOTIFY_BASE_URL": server.base_url,
        "NOTIFY_TEXT_TEMPLATE_ID": TEXT_TEMPLATE,
        "NOTIFY_TEXT_DISCREET_TEMPLATE_ID": TEXT_DISCREET_TEMPLATE,
        "NOTIFY_EMAIL_TEMPLATE_ID": EMAIL_TEMPLATE,
        "NOTIFY_EMAIL_DISCREET_TEMPLATE_ID": EMAIL_DISCREET_TEMPLATE,
        "NOTIFY_CAMPAIGN_EMAIL_TEMPLATE_ID": CAMPAIGN_EMAIL_TEMPLATE,
    }
    old = {name: app.config.get(name) for name in values}
    app.config.update(values)
    return old
