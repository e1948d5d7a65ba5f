"""The embedded default: what `make demo` / `qitong serve` use on one machine."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", False)
