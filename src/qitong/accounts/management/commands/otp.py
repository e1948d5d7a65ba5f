"""`qitong otp status|reset`: who has a second factor; remove a user's authenticator (a lost
phone) so that they set up a new one at their next login. Resets are ledgered."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from qitong.accounts.models import User
from qitong.accounts.otp import otp_reset
from qitong.accounts.roles import Role


class Command(BaseCommand):
    help = "两步验证：status 查看启用情况；reset 重置某用户的身份验证器（记入台账）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, title="子命令")
        sub.add_parser("status", help="列出管理员与审计员的两步验证启用情况")
        reset = sub.add_parser("reset", help="删除该用户的身份验证器，下次登录时重新设置")
        reset.add_argument("username", help="用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "status":
            required = set(getattr(settings, "QITONG_OTP_REQUIRED_ROLES", ()))
            with_device = set(
                TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True)
            )
            users = User.objects.filter(role__in=[Role.ADMIN, Role.AUDITOR], is_active=True)
            for user in users.order_by("username"):
                state = "已启用" if user.pk in with_device else "未设置"
                must = "（必须）" if user.role in required else ""
                self.stdout.write(f"{user.username}\t{user.role_label}\t{state}{must}")
            return
        target = User.objects.filter(username=options["username"]).first()
        if target is None:
            raise CommandError(f"用户 {options['username']} 不存在")
        removed = otp_reset(user=target, actor=None)
        self.stdout.write(
            f"已重置 {target.username} 的身份验证器（删除 {removed} 个），下次登录时重新设置。"
            if removed
            else f"{target.username} 没有身份验证器，无需重置。"
        )
