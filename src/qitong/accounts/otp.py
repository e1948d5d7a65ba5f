"""Second factor (TOTP, django-otp) for the roles that can change configuration or read every
record: administrators and auditors. Required where QITONG_OTP_REQUIRED_ROLES names the role
(production: admin and auditor), offered everywhere else.

A staff member of such a role who has logged in with a password but not yet with a code is
held at the code page (or, without a device, at the setup page) by accounts.middleware; every
setup and reset is ledgered. django-otp throttles wrong codes per device (doubling delays).
"""

from __future__ import annotations

import base64
import io

import qrcode
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from qitong.accounts.models import User
from qitong.core.errors import ValidationFailed
from qitong.ledger.services import ledger_record

DEVICE_NAME = "身份验证器"


def otp_required_for(user: User) -> bool:
    roles = getattr(settings, "QITONG_OTP_REQUIRED_ROLES", ())
    return bool(user.is_authenticated and user.role in roles)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being set up (one per user; a new one if none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The key in base32, grouped by four, for typing into an authenticator app."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The setup QR code as an inline SVG (one path: the element-per-module SVG uses a
    namespace prefix an HTML page does not draw)."""
    image = qrcode.make(device.config_url, image_factory=SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    text = out.getvalue().decode()
    return text[text.index("<svg") :]  # without the XML declaration


def _accept(device: TOTPDevice, code: str, wrong: str) -> None:
    """The device's current code, or ValidationFailed: malformed, throttled (django-otp's
    doubling delay after each wrong code) or wrong/replayed."""
    code = code.strip().replace(" ", "")
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        raise ValidationFailed(fields={"code": "请输入身份验证器上的 6 位数字"})
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise ValidationFailed(fields={"code": "错误次数过多，请稍候再试"})
    if not device.verify_token(code):
        raise ValidationFailed(fields={"code": wrong})


def otp_confirm(request: HttpRequest, *, user: User, code: str) -> TOTPDevice:
    """Confirm the device being set up with its first code; the session is then verified."""
    device = pending_device(user)
    _accept(device, code, "验证码不正确或已过期，请输入当前显示的 6 位数字")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()  # one device per user
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        ledger_record(
            subject_type="accounts.user",
            subject_id=user.pk,
            action="otp_setup",
            actor=user,
            payload={"device": device.pk},
        )
    otp_login(request, device)
    return device


def otp_verify(request: HttpRequest, *, user: User, code: str) -> None:
    """The code of the user's device for this session, or ValidationFailed (throttled)."""
    device = confirmed_device(user)
    if device is None:
        raise ValidationFailed(fields={"code": "尚未设置身份验证器"})
    _accept(device, code, "验证码不正确或已过期")
    otp_login(request, device)


def otp_reset(*, user: User, actor: User | None) -> int:
    """Remove the user's devices (a lost phone): they set up a new one at next login."""
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        if removed:
            ledger_record(
                subject_type="accounts.user",
                subject_id=user.pk,
                action="otp_reset",
                actor=actor,
                payload={"devices": removed},
            )
    return int(removed)
