"""Login pages: staff by username + password (throttled), enterprises by credit code + mobile +
SMS code. Thin views: the rules live in accounts.services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST

from qitong.accounts import otp, services
from qitong.accounts.forms import EnterpriseLoginForm, OtpCodeForm, StaffLoginForm
from qitong.accounts.requests import client_ip, user_of
from qitong.core.errors import DomainError
from qitong.core.navigation import home_url_for

LOCKED_MESSAGE = "登录失败次数过多，该账号已暂时锁定 15 分钟；如需帮助请联系管理员"
BAD_PASSWORD_MESSAGE = "用户名或密码不正确"  # nosec B105 # a message or a public constant, not a password


def _next(request: HttpRequest) -> str:
    """The page to return to after login, carried through the form as a hidden field."""
    return request.POST.get("next") or request.GET.get("next") or ""


def _next_or_home(request: HttpRequest) -> HttpResponse:
    target = _next(request)
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(home_url_for(request.user))


def _staff_authenticate(request: HttpRequest, form: StaffLoginForm) -> None:
    """Log the user in or put the reason on the form. The throttle is the authentication
    backend's (every password path has it); a locked account stays locked even with the right
    password, and the lock message appears from the failure that triggers it."""
    username = form.cleaned_data["username"].strip()
    user = authenticate(request, username=username, password=form.cleaned_data["password"])
    if user is None:
        if services.login_is_locked(username=username, ip=client_ip(request)):
            form.add_error(None, LOCKED_MESSAGE)
        else:
            form.add_error("password", BAD_PASSWORD_MESSAGE)
        return
    login(request, user)


@require_http_methods(["GET", "POST"])
def staff_login(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(home_url_for(request.user))
    form = StaffLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _staff_authenticate(request, form)
        if request.user.is_authenticated and not form.errors:
            return _next_or_home(request)
    status = 400 if form.errors else 200
    return render(
        request, "accounts/login.html", {"form": form, "next": _next(request)}, status=status
    )


@require_http_methods(["GET", "POST"])
def enterprise_login(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(home_url_for(request.user))
    form = EnterpriseLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["code"]:
            form.add_error("code", "请填写短信验证码")
        else:
            try:
                user = services.sms_login_verify(
                    credit_code=form.cleaned_data["credit_code"],
                    phone=form.cleaned_data["phone"],
                    code=form.cleaned_data["code"],
                    ip=client_ip(request),
                )
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                login(request, user, backend="qitong.accounts.backends.ThrottledModelBackend")
                return _next_or_home(request)
    status = 400 if form.errors else 200
    return render(
        request,
        "accounts/enterprise_login.html",
        {"form": form, "next": _next(request)},
        status=status,
    )


@require_POST
def enterprise_send_code(request: HttpRequest) -> HttpResponse:
    """Send the SMS code. htmx gets the status line (plus the field errors out of band);
    without JavaScript the whole login page comes back with the same status line.

    For an unknown (credit code, mobile) pair the service sends nothing but the answer is
    the same, so this form cannot be used to find out who has an account.
    """
    form = EnterpriseLoginForm(request.POST)
    sent = False
    if form.is_valid():
        try:
            services.sms_code_send(
                credit_code=form.cleaned_data["credit_code"],
                phone=form.cleaned_data["phone"],
                ip=client_ip(request),
            )
            sent = True
        except DomainError as exc:
            _add_domain_error(form, exc)
    is_htmx = bool(getattr(request, "htmx", False))
    template = "accounts/_sms_status.html" if is_htmx else "accounts/enterprise_login.html"
    return render(
        request,
        template,
        {
            "form": form,
            "sent": sent,
            "next": _next(request),
            "resend_after": settings.QITONG_SMS_CODE_INTERVAL_SECONDS,
        },
        status=200 if sent else 400,
    )


def _add_domain_error(form: forms.Form, exc: DomainError) -> None:
    if exc.fields:
        for name, message in exc.fields.items():
            form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(None, exc.message)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify_view(request: HttpRequest) -> HttpResponse:
    """The second step after the password: the 6 digits of the user's authenticator."""
    user = user_of(request)
    if otp.confirmed_device(user) is None:
        return redirect(f"{reverse('accounts:otp_setup')}?{urlencode({'next': _next(request)})}")
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            otp.otp_verify(request, user=user, code=form.cleaned_data["code"])
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            return _next_or_home(request)
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "next": _next(request)},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup_view(request: HttpRequest) -> HttpResponse:
    """Set up (or replace) the authenticator: scan the code, type its first 6 digits. Replacing
    a working device needs the session to have been verified with it first."""
    user = user_of(request)
    if otp.confirmed_device(user) is not None and not request.user.is_verified():  # type: ignore[union-attr]
        return redirect(f"{reverse('accounts:otp_verify')}?{urlencode({'next': _next(request)})}")
    device = otp.pending_device(user)
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            otp.otp_confirm(request, user=user, code=form.cleaned_data["code"])
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            messages.success(request, "已启用两步验证：以后登录时输入身份验证器上的 6 位数字")
            return _next_or_home(request)
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "next": _next(request),
            "secret": otp.secret_text(device),
            "qr": otp.qr_svg(device),
            "required": otp.otp_required_for(user),
        },
        status=400 if form.errors else 200,
    )
