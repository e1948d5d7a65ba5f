"""An exhaustive harness any state machine on the workflow core reuses.

- Without a database, `check_table`: for every subject double (each state, each guard's
  case) x every actor x every action, `Machine.allowed` offers exactly the actions
  `Machine.check` lets through; a refusal is Forbidden exactly when the role or its relation
  to the subject never allows the action, and Conflict exactly when the state or a guard
  forbids it now.
- With a database, `check_refusals`: every action an actor may not take on a real subject
  now is refused by the skeleton (404 out of scope, 403, 409, 422) and writes nothing: not
  the subject, not the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db.models import Model

from qitong.core.errors import Conflict, DomainError, Forbidden, NotFound
from qitong.ledger.models import Event
from qitong.workflow.machine import Machine


def check_table(machine: Machine[Any], subjects: Iterable[Any], actors: Mapping[str, Any]) -> int:
    """Returns the number of (subject, actor, action) cases checked."""
    cases = 0
    for subject in subjects:
        for role, actor in actors.items():
            allowed = set(machine.allowed(subject, actor))
            for t in machine:
                cases += 1
                where = f"{machine.name}.{t.name} in {subject.state} for {role}"
                try:
                    machine.check(subject, actor, t.name)
                except Forbidden:
                    assert not t.relation_ok(subject, actor), where
                    assert t.name not in allowed, where
                    continue
                except Conflict:
                    assert t.relation_ok(subject, actor), where
                    guarded = t.guard is not None and t.guard(subject) is not None
                    assert subject.state not in t.sources or guarded, where
                    assert t.name not in allowed, where
                    continue
                assert t.name in allowed, where
    return cases


def _row(subject: Model) -> dict[str, Any]:
    fresh = type(subject)._default_manager.get(pk=subject.pk)
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}


def check_refusals(
    machine: Machine[Any],
    subject: Model,
    people: Mapping[str, tuple[Any, Any]],  # role → (actor, user)
    act: Callable[..., Any],  # act(pk=, action=, user=) through the domain's service
) -> int:
    """Every action not allowed now is refused and changes nothing; returns the count."""
    before, events = _row(subject), Event.objects.count()
    refused = 0
    for role, (actor, user) in people.items():
        allowed = set(machine.allowed(subject, actor))
        for t in machine:
            if t.name in allowed:
                continue
            try:
                act(pk=subject.pk, action=t.name, user=user)
            except (NotFound, Forbidden, Conflict) as exc:
                assert isinstance(exc, DomainError)
            else:
                raise AssertionError(f"{machine.name}.{t.name} by {role} was not refused")
            refused += 1
    assert _row(subject) == before, "a refused action changed the subject"
    assert Event.objects.count() == events, "a refused action wrote the ledger"
    return refused
