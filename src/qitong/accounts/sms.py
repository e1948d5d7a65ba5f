"""Pluggable SMS sending. The console backend prints; a real gateway implements `send`."""

from __future__ import annotations

import fcntl
import json
import logging
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("qitong.sms")


class SmsBackend(Protocol):
    def send(self, phone: str, text: str, key: str = "") -> None:
        """Send one message. `key` identifies it (the notification's id): a gateway that is
        given the same key twice — a retry after a crash between sending and recording —
        must deliver it once (most gateways take a client message id for this)."""
        ...


class ConsoleSmsBackend:
    def send(self, phone: str, text: str, key: str = "") -> None:
        print(f"[短信] → {phone}: {text}", flush=True)
        logger.info("sms to %s", phone)


class MemorySmsBackend:
    """Keeps messages in `outbox` (tests read the code from here); a repeated key is sent
    once, as a gateway would."""

    outbox: list[tuple[str, str]] = []
    keys: set[str] = set()

    def send(self, phone: str, text: str, key: str = "") -> None:
        if key and key in self.keys:
            return
        if key:
            self.keys.add(key)
        self.outbox.append((phone, text))


class FileSmsBackend:
    """Appends each message as a JSON line to QITONG_SMS_FILE (demos and crash tests across
    processes); a repeated key is written once."""

    def send(self, phone: str, text: str, key: str = "") -> None:
        path = Path(settings.QITONG_SMS_FILE)
        with path.open("a+", encoding="utf-8") as out:
            fcntl.flock(out, fcntl.LOCK_EX)
            out.seek(0)
            if key and any(json.loads(line).get("key") == key for line in out if line.strip()):
                return
            out.write(json.dumps({"phone": phone, "text": text, "key": key}, ensure_ascii=False))
            out.write("\n")


def get_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.QITONG_SMS_BACKEND)()
    return backend
