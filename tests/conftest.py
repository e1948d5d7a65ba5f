from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def world(db: None) -> factories.World:
    return factories.world()
