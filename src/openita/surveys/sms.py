"""SMS gateways behind one small interface: console and file for the demo and tests, HTTP
for production (``SMS_GATEWAY=http``, ``SMS_HTTP_URL``, ``SMS_HTTP_TOKEN``)."""

from __future__ import annotations

import json
import logging
import urllib.request
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone

log = logging.getLogger("openita.sms")
SENT: list[tuple[str, str]] = []  # the console gateway's memory, read by tests


class Gateway(Protocol):
    def send(self, phone: str, text: str) -> None: ...


def masked(phone: str) -> str:
    """Enough of the number for its owner to find their message; logs and the demo's
    outbox never hold whole phone numbers (openita keeps none anywhere else either)."""
    return f"{phone[:2]}x-xxx-{phone[-4:]}"


class ConsoleGateway:
    def send(self, phone: str, text: str) -> None:
        SENT.append((phone, text))
        log.warning("SMS to %s: %s", masked(phone), text)


class FileGateway:
    """Appends each message to var/sms/outbox.txt, where the demo's user can read it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, phone: str, text: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / "outbox.txt").open("a", encoding="utf-8") as outbox:
            outbox.write(f"{timezone.localtime():%Y-%m-%d %H:%M} {masked(phone)} {text}\n")


class HttpGateway:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def send(self, phone: str, text: str) -> None:
        body = json.dumps({"to": phone, "text": text}).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - configured URL
            if answer.status >= 300:
                raise OSError(f"SMS gateway answered {answer.status}")


def gateway() -> Gateway:
    kind = settings.SMS_GATEWAY
    if kind == "console":
        return ConsoleGateway()
    if kind == "http":
        return HttpGateway(settings.SMS_HTTP_URL, settings.SMS_HTTP_TOKEN)
    return FileGateway(Path(settings.SMS_FILE_DIR))
