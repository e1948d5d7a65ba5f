"""`qitong token create|list|revoke`: API tokens for integrations (Authorization: Bearer ...).

The plain token is printed once, on its own line on stdout (so `TOKEN=$(qitong token create
bob)` works); only its SHA-256 is stored. Create and revoke go through the account services,
which write the ledger.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from qitong.accounts.models import ApiToken, User
from qitong.accounts.services import token_create, token_revoke


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _pad(text: str, width: int) -> str:
    """Left-align for a terminal, where a Chinese character takes two columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - shown)


def _row(cells: tuple[str, ...], widths: tuple[int, ...]) -> str:
    return "".join(_pad(c, w) for c, w in zip(cells, widths, strict=False)) + cells[-1]


class Command(BaseCommand):
    help = "API 令牌：create 创建（只显示一次）、list 列出、revoke 吊销"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, title="子命令")
        create = sub.add_parser("create", help="为用户创建令牌，令牌只显示这一次")
        create.add_argument("username", help="用户名")
        create.add_argument("--name", default="", help="用途说明，如「12345 平台对接」")
        listing = sub.add_parser("list", help="列出令牌（只显示前缀）")
        listing.add_argument("username", nargs="?", default=None, help="只列出该用户的令牌")
        revoke = sub.add_parser("revoke", help="按前缀吊销令牌")
        revoke.add_argument("prefix", help="令牌前缀（token list 中显示的前 10 个字符）")

    def handle(self, *args: Any, **options: Any) -> None:
        command = options["subcommand"]
        if command == "create":
            self._create(options["username"], options["name"])
        elif command == "list":
            self._list(options["username"])
        else:
            self._revoke(options["prefix"])

    def _create(self, username: str, name: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在")
        if not user.is_active:
            raise CommandError(f"用户 {username} 已停用，不能为其创建令牌")
        token, plain = token_create(user=user, name=name)
        self.stdout.write(plain)
        self.stderr.write(
            f"已为用户 {username} 创建令牌（前缀 {token.prefix}）。"
            "令牌只显示这一次，请立即妥善保存；调用接口时使用请求头 Authorization: Bearer <令牌>。"
        )

    def _list(self, username: str | None) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "created_at")
        if username is not None:
            if not User.objects.filter(username=username).exists():
                raise CommandError(f"用户 {username} 不存在")
            tokens = tokens.filter(user__username=username)
        rows = list(tokens)
        if not rows:
            self.stdout.write("没有令牌")
            return
        widths = (12, 16, 8, 18, 18)
        self.stdout.write(_row(("前缀", "用户", "状态", "创建时间", "最近使用", "用途"), widths))
        for t in rows:
            state = "已吊销" if t.revoked_at else "有效"
            cells = (
                t.prefix,
                t.user.username,
                state,
                _when(t.created_at),
                _when(t.last_used_at),
                t.name,
            )
            self.stdout.write(_row(cells, widths))

    def _revoke(self, prefix: str) -> None:
        matches = list(ApiToken.objects.select_related("user").filter(prefix=prefix))
        if not matches:
            raise CommandError(f"没有前缀为 {prefix} 的令牌（用 qitong token list 查看）")
        active = [t for t in matches if t.revoked_at is None]
        if not active:
            raise CommandError(f"前缀为 {prefix} 的令牌已被吊销")
        if len(active) > 1:
            # Prefixes are 7 random characters after "qt_": a clash is rare but must not
            # revoke the wrong integration's token.
            owners = "、".join(t.user.username for t in active)
            raise CommandError(
                f"前缀 {prefix} 对应多个有效令牌（用户：{owners}），无法确定吊销哪一个"
            )
        token = token_revoke(token=active[0])
        self.stdout.write(f"已吊销用户 {token.user.username} 的令牌 {token.prefix}")
