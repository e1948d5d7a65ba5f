"""A state machine as data (STYLE habit 3; docs/decisions/0005-workflow-core.md).

Each `Transition` names an action, its Chinese label, the states it starts from, the states it
may lead to (`STAY`: unchanged), which roles may take it and the relation each role needs to
the subject, an optional guard, and its typed input. A `Machine` is the registry of one
subject's transitions and their handlers: the page, the API, the table tests and the skeleton
(workflow.skeleton) all ask it, so adding an action is one entry plus its handler.

No ORM here: relations and guards read plain attributes of the subject (a model instance or
a test double) and an actor, so every state x action x role is checked without a database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from qitong.core.errors import Conflict, Forbidden
from qitong.workflow.inputs import Input, NoInput

STAY = "="  # a target meaning "the state does not change"
SYSTEM_ROLE = "system"  # the sweep and other jobs act as this role


class ActorLike(Protocol):
    @property
    def role(self) -> str: ...


Relation = Callable[[Any, Any], bool]  # (subject, actor) → may this actor act on it?
Guard = Callable[[Any], str | None]  # None = passes, else the reason (Chinese)
Handler = Callable[[Any], None]  # receives the action context (workflow.skeleton.Action)
H = TypeVar("H", bound=Handler)


def anyone(subject: Any, actor: Any) -> bool:
    return True


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    # The states the action may lead to; the first is where it goes unless the handler picks
    # another of them (`Action.go`). Leaving this set is a programming error.
    targets: tuple[str, ...]
    roles: Mapping[str, Relation]
    input: type[Input] = NoInput
    guard: Guard | None = None
    # How pages show it: the main button of a step, or a red one that ends the subject.
    primary: bool = False
    danger: bool = False
    # What the subject's owner (an enterprise) reads of it in a timeline; "" = internal.
    public: str = ""
    # Files brought with it are meant for the owner (else internal to the staff).
    public_files: bool = False

    def relation_ok(self, subject: Any, actor: ActorLike) -> bool:
        relation = self.roles.get(actor.role)
        return relation is not None and relation(subject, actor)

    def resolve(self, target: str, from_state: str) -> str:
        return from_state if target == STAY else target

    def may_lead_to(self, state: str, from_state: str) -> bool:
        return any(self.resolve(t, from_state) == state for t in self.targets)


def transition(
    name: str,
    label: str,
    sources: Iterable[str],
    targets: Iterable[str] | str,
    roles: Mapping[str, Relation],
    **options: Any,
) -> Transition:
    """Shorthand for a table entry: `targets` is one state, STAY, or several."""
    to = (targets,) if isinstance(targets, str) else tuple(targets)
    assert to, f"{name}: a transition leads somewhere (STAY for nowhere)"
    return Transition(name, label, frozenset(sources), to, dict(roles), **options)


# Every machine, by name (tests walk them all; a new domain's machine joins by being built).
MACHINES: dict[str, Machine[Any]] = {}


class TargetOutOfSet(AssertionError):
    """A handler sent the subject to a state its transition does not declare."""


@dataclass
class Machine(Generic[H]):
    """One subject's transitions (in table order) and their handlers."""

    name: str  # the ledger's subject type, e.g. "tickets.ticket"
    state_labels: Mapping[str, str]
    transitions: list[Transition]
    subject_label: str = "对象"
    _handlers: dict[str, Handler] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [t.name for t in self.transitions]
        assert len(names) == len(set(names)), f"{self.name}: duplicate action names"
        self._by_name = {t.name: t for t in self.transitions}
        for t in self.transitions:
            unknown = (t.sources | set(t.targets)) - set(self.state_labels) - {STAY}
            assert not unknown, f"{self.name}.{t.name}: unknown states {sorted(unknown)}"
        MACHINES[self.name] = self

    # --- the registry ---------------------------------------------------------------------
    def __iter__(self) -> Iterator[Transition]:
        return iter(self.transitions)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Transition:
        return self._by_name[name]

    def get(self, name: str) -> Transition | None:
        return self._by_name.get(name)

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.transitions]

    def label(self, name: str) -> str:
        found = self._by_name.get(name)
        return found.label if found else name

    def handles(self, *names: str) -> Callable[[H], H]:
        """Register the decorated function as the handler of these actions."""

        def register(fn: H) -> H:
            for name in names:
                assert name in self._by_name, f"{self.name}: no action {name!r}"
                assert name not in self._handlers, f"{self.name}: {name!r} handled twice"
                self._handlers[name] = fn
            return fn

        return register

    def handler(self, name: str) -> Handler:
        found = self._handlers.get(name)
        assert found is not None, f"{self.name}: action {name!r} has no handler"
        return found

    def missing_handlers(self) -> list[str]:
        return [name for name in self.names if name not in self._handlers]

    # --- what may happen ------------------------------------------------------------------
    def allowed(self, subject: Any, actor: ActorLike) -> list[str]:
        """Actions this actor may take on this subject now, in table order."""
        state = subject.state
        return [
            t.name
            for t in self.transitions
            if state in t.sources
            and t.relation_ok(subject, actor)
            and (t.guard is None or t.guard(subject) is None)
        ]

    def check(self, subject: Any, actor: ActorLike, name: str) -> Transition:
        """The transition if allowed; Forbidden if the role or relation never allows it,
        Conflict if the current state or a guard forbids it now."""
        found = self._by_name.get(name)
        if found is None:
            raise Conflict(f"未知的操作：{name}", code="unknown_action")
        if not found.relation_ok(subject, actor):
            raise Forbidden(f"您不能对该{self.subject_label}执行“{found.label}”")
        if subject.state not in found.sources:
            state = self.state_labels.get(subject.state, subject.state)
            raise Conflict(
                f"{self.subject_label}当前状态为“{state}”，不能执行“{found.label}”",
                code="invalid_transition",
            )
        if found.guard is not None and (reason := found.guard(subject)):
            raise Conflict(reason, code="guard_failed")
        return found
