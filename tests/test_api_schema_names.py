"""Every request and response model of the API has its own name: the OpenAPI document keys
its components by class name, so two models named alike (a second `UnitOut`) silently share
one schema and one of their endpoints documents the wrong shape (schemathesis caught GET /me
described with the statistics' unit)."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel

from qitong.config.api import api


def _models(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _models(sub)
    return found


# No collisions are known: every model has its own name.
KNOWN: set[str] = set()


def test_api_models_have_unique_names() -> None:
    components = api.get_openapi_schema()["components"]["schemas"]
    ours = [m for m in _models(BaseModel) if m.__module__.startswith("qitong.")]
    counts = Counter(m.__name__ for m in ours)
    clashes = {name for name, n in counts.items() if n > 1 and name in components}
    assert clashes - KNOWN == set()
