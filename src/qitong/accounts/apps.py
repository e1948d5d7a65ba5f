from typing import Any

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "qitong.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_seen_at_login, dispatch_uid="qitong-idle-timeout")


def _seen_at_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The idle clock starts at login (accounts.middleware.IdleTimeoutMiddleware)."""
    import time

    from qitong.accounts.middleware import LAST_SEEN

    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())
