"""The demo deployment (Inner Mongolia): regions, departments, desks, operators, specialists,
enterprises and one account per role, generated reproducibly from a fixed seed.

`qitong demo` calls `load_demo()`; `DEMO_ACCOUNTS` is the one list of demo accounts that the
README and the tests rely on.
"""

from qitong.demo.accounts import DEMO_ACCOUNTS, DEMO_ENTERPRISES, DEMO_PASSWORD, DemoAccount

__all__ = ["DEMO_ACCOUNTS", "DEMO_ENTERPRISES", "DEMO_PASSWORD", "DemoAccount"]
