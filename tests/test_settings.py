"""Production settings refuse unsafe configurations, and `qitong check --deploy` is clean with a
proper environment. Each case runs `qitong` in a subprocess with only the variables given."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

GOOD_SECRET = secrets.token_urlsafe(50)


def run_production(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "qitong.config.settings.production",
        "QITONG_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": GOOD_SECRET,
        "QITONG_LEDGER_KEY": "k" + GOOD_SECRET[::-1],
        "ALLOWED_HOSTS": "qitong.example.gov.cn",
        "QITONG_ALLOW_SQLITE": "1",
    }
    full = {k: v for k, v in {**base, **env}.items() if v is not None and v != "<unset>"}
    return subprocess.run(
        [sys.executable, "-m", "qitong", *(args or ("check", "--deploy"))],
        env=full,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "1"}, "生产环境不得开启 DEBUG"),
        ({"SECRET_KEY": "<unset>"}, "生产环境必须设置至少 50 个字符的随机 SECRET_KEY"),
        ({"SECRET_KEY": "qitong-insecure-development-key-change-me"}, "SECRET_KEY"),
        ({"SECRET_KEY": secrets.token_urlsafe(36)}, "至少 50 个字符"),  # 48 characters
        ({"SECRET_KEY": "ab" * 40}, "至少 50 个字符"),  # long but only 2 distinct characters
        ({"QITONG_ALLOW_SQLITE": "<unset>"}, "QITONG_ALLOW_SQLITE=1"),
        ({"QITONG_LEDGER_KEY": "<unset>"}, "QITONG_LEDGER_KEY"),
        ({"QITONG_LEDGER_KEY": "short"}, "至少 32 个字符"),
        ({"QITONG_ALLOW_SQLITE": "0"}, "生产环境应使用 PostgreSQL"),
    ],
    ids=[
        "debug",
        "no-secret",
        "default-secret",
        "short-secret",
        "low-entropy-secret",
        "sqlite",
        "sqlite-not-allowed",
        "no-ledger-key",
        "short-ledger-key",
    ],
)
def test_production_refuses_unsafe_configuration(tmp_path, env, message):
    result = run_production(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    "env",
    [
        {"QITONG_ALLOW_SQLITE": "1"},
        # check --deploy does not connect, so an unreachable PostgreSQL URL is fine here.
        {
            "QITONG_ALLOW_SQLITE": "<unset>",
            "DATABASE_URL": "postgres://qitong:secret@127.0.0.1:5432/qitong",
        },
    ],
    ids=["sqlite-allowed", "postgresql"],
)
def test_check_deploy_is_clean_with_a_proper_environment(tmp_path, env):
    result = run_production(tmp_path, **env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output
    assert "?:" not in output  # Django prints each issue as "?: (security.Wxxx) ..."


def test_dev_settings_are_not_what_production_checks_accept(tmp_path):
    """The same deploy check fails on the development settings (so the clean result above
    comes from production.py, not from a check that cannot fail)."""
    result = run_production(tmp_path, DJANGO_SETTINGS_MODULE="qitong.config.settings.dev")
    output = result.stdout + result.stderr
    assert "security.W004" in output or "security.W008" in output
