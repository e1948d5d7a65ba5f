"""The layers point one way (STYLE habit 11; pyproject.toml [tool.importlinter]): config →
apps → workflow → ledger → core; routing and the knowledge base know no ticket; statistics
read the work. A probe module that breaks a rule must make the check fail, so the check is
known to bite."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from importlinter.cli import lint_imports

import qitong

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(qitong.__file__).resolve().parent


def _lint() -> int:
    cwd = os.getcwd()
    os.chdir(ROOT)  # lint-imports reads pyproject.toml from here
    try:
        return lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    finally:
        os.chdir(cwd)


@contextlib.contextmanager
def probe(package: str, line: str) -> Iterator[None]:
    """A throwaway module in `package` with one forbidden import, removed afterwards."""
    path = PACKAGE / package / "_layer_probe.py"
    path.write_text(f'"""A layering probe (tests/test_layers.py)."""\n\n{line}\n')
    try:
        yield
    finally:
        path.unlink()


PROBES = [
    ("core", "import qitong.tickets.models  # noqa: F401"),
    ("routing", "from qitong.tickets import selectors  # noqa: F401"),
    ("workflow", "import qitong.tickets.transitions  # noqa: F401"),
    ("knowledge", "import qitong.tickets.models  # noqa: F401"),
    ("tickets", "import qitong.dashboards.selectors  # noqa: F401"),
]


def test_the_contracts_hold_and_a_forbidden_import_fails_them() -> None:
    """One test, so no other test worker lints while a probe is on disk."""
    assert _lint() == 0
    for package, line in PROBES:
        with probe(package, line):
            assert _lint() == 1, f"{package}: {line} should break a contract"
    assert _lint() == 0
