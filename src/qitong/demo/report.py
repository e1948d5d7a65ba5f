"""The table of demo accounts printed after `qitong demo` (and by anything that serves it)."""

from __future__ import annotations

import unicodedata

from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def accounts_table() -> str:
    """username / role / scope / password, aligned for a terminal with CJK double-width text."""
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_ACCOUNTS)}
    rows = [("用户名", "角色", "范围", "密码 / 登录方式")]
    for username, account in DEMO_ACCOUNTS.items():
        user = users.get(username)
        role = Role(user.role).label if user else "（未创建）"
        # Enterprises log in by credit code + mobile + SMS code (printed by the console SMS
        # backend), never by password.
        how = "短信验证码（见终端输出）" if user and user.is_enterprise else DEMO_PASSWORD
        rows.append((username, str(role), account.scope, how if user else "-"))
    widths = [max(_width(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join(_pad(cell, widths[i]) if i < 3 else cell for i, cell in enumerate(row))
        for row in rows
    ]
    lines.insert(1, "-" * (sum(widths) + 6 + _width(DEMO_PASSWORD)))
    return "\n".join(line.rstrip() for line in lines)
