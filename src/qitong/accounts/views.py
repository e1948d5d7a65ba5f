"""Login pages: staff by username + password (throttled), enterprises by credit code + mobile +
SMS code. Thin views: the rules live in accounts.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from qitong.accounts import services
from qitong.accounts.forms import EnterpriseLoginForm, StaffLoginForm
from qitong.core.errors import DomainError
from qitong.core.navigation import home_url_for


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _next_or_home(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(home_url_for(request.user))


def staff_login(request: HttpRequest) -> HttpResponse:
    form = StaffLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        if services.login_is_locked(username=username):
            form.add_error(None, "登录失败次数过多，该账号已暂时锁定 15 分钟；如需帮助请联系管理员")
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                services.login_record_failure(username=username, ip=_client_ip(request))
                form.add_error("password", "用户名或密码不正确")
            else:
                services.login_clear_failures(username=username)
                login(request, user)
                return _next_or_home(request)
    status = 200 if request.method == "GET" or form.is_valid() and not form.errors else 400
    return render(request, "accounts/login.html", {"form": form}, status=status)


def enterprise_login(request: HttpRequest) -> HttpResponse:
    form = EnterpriseLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["code"]:
            form.add_error("code", "请填写短信验证码")
        else:
            try:
                user = services.sms_login_verify(
                    credit_code=form.cleaned_data["credit_code"], phone=form.cleaned_data["phone"],
                    code=form.cleaned_data["code"],
                )
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return _next_or_home(request)
    status = 200 if request.method == "GET" else 400
    return render(request, "accounts/enterprise_login.html", {"form": form}, status=status)


@require_POST
def enterprise_send_code(request: HttpRequest) -> HttpResponse:
    """htmx: send the SMS code; answers with the form's status line (or the errors)."""
    form = EnterpriseLoginForm(request.POST)
    form.fields["code"].required = False
    sent = False
    if form.is_valid():
        try:
            services.sms_code_send(credit_code=form.cleaned_data["credit_code"],
                                   phone=form.cleaned_data["phone"])
            sent = True
        except DomainError as exc:
            _add_domain_error(form, exc)
    template = "accounts/_sms_status.html" if request.htmx else "accounts/enterprise_login.html"  # type: ignore[attr-defined]
    if sent and not request.htmx:  # type: ignore[attr-defined]
        messages.info(request, "如该企业已开通此手机号，验证码已发送，5 分钟内有效")
    return render(request, template, {"form": form, "sent": sent}, status=200 if sent else 400)


def _add_domain_error(form: EnterpriseLoginForm, exc: DomainError) -> None:
    if exc.fields:
        for name, message in exc.fields.items():
            form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(None, exc.message)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")
