"""Pluggable SMS sending. The console backend prints; a real gateway implements `send`."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("qitong.sms")


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class ConsoleSmsBackend:
    def send(self, phone: str, text: str) -> None:
        print(f"[短信] → {phone}: {text}", flush=True)
        logger.info("sms to %s", phone)


class MemorySmsBackend:
    """Keeps messages in `outbox` (tests read the code from here)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


def get_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.QITONG_SMS_BACKEND)()
    return backend
