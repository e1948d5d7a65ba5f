"""The `qitong` console script: every Django command plus the product's own (serve, demo, ...)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qitong.config.settings.dev")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["qitong", *argv])
    args[0] = "qitong"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
