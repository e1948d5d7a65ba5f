"""The one action skeleton every machine runs on (STYLE habit 1).

In one transaction: load and lock the subject through the actor's scope (out of scope = 404),
check the caller's version, check the transition, validate the input against the action's
schema (every bad field at once), run the handler, resolve the next state (inside the
transition's declared targets, or TargetOutOfSet), save with `update_fields`, append the
ledger event; side effects the handler scheduled run after commit.

A domain supplies a `Subject` spec: its scoped queryset, its machine, an optional context
class (extra helpers for its handlers) and a `finish` hook for what its own skeleton adds
(a ticket closes its clock in a final state, stores the files brought with the action).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.files import File
from django.db import connection, models, transaction
from django.db.models import QuerySet

from qitong.core import clock
from qitong.core.errors import Conflict, NotFound
from qitong.core.prepared import prepared
from qitong.core.uploads import check_uploads
from qitong.ledger.services import ledger_head, ledger_head_annotations, ledger_record
from qitong.workflow.inputs import Input, parse_input
from qitong.workflow.machine import STAY, ActorLike, Machine, TargetOutOfSet, Transition

M = TypeVar("M", bound=models.Model)
In = TypeVar("In", bound=Input)


@dataclass
class Action(Generic[M]):
    """What a handler works with: the locked subject, who acts, the validated input, the
    clock, and what the action changes and records."""

    subject: M
    transition: Transition
    actor: Any
    user: Any  # the signed-in user (None: the system), as the ledger records it
    input: Input
    data: dict[str, Any]  # the raw input, for the few fields a schema cannot type
    now: dt.datetime
    from_state: str
    extra: dict[str, Any] = field(default_factory=dict)  # what the caller passes through
    changed: set[str] = field(default_factory=set)
    payload: dict[str, Any] = field(default_factory=dict)
    target: str | None = None
    effects: list[Callable[[], None]] = field(default_factory=list)

    def args(self, model: type[In]) -> In:
        """The validated input as its own type (the handler knows its action's schema)."""
        assert isinstance(self.input, model), f"{self.transition.name}: input is not {model}"
        return self.input

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self.subject, name, value)
            self.changed.add(name)

    def go(self, state: str) -> None:
        """Lead to `state` (one of the transition's targets) instead of the first."""
        self.target = state

    def stay(self) -> None:
        self.target = STAY

    def after_commit(self, effect: Callable[[], None]) -> None:
        self.effects.append(effect)

    def next_state(self) -> str:
        chosen = self.target if self.target is not None else self.transition.targets[0]
        state = self.transition.resolve(chosen, self.from_state)
        if not self.transition.may_lead_to(state, self.from_state):
            raise TargetOutOfSet(
                f"{self.transition.name}: {self.from_state} → {state} is not among "
                f"{self.transition.targets}"
            )
        return state


@dataclass(frozen=True)
class Subject(Generic[M]):
    """How the skeleton reaches one kind of subject."""

    machine: Machine[Any]
    # actor → what it may act on; a function of the (frozen, hashable) actor alone, as the
    # locked load is compiled once per actor (core.prepared)
    scope: Callable[[Any], QuerySet[M]]
    context: type[Action[Any]] = Action
    version_field: str | None = None
    touched_field: str | None = None  # set to the action's time on every action
    stale_message: str = "该对象刚被他人处理过，请刷新后查看最新状态"
    finish: Callable[[Any], None] | None = None  # after the state is set, before saving
    # Loaded with the subject (joined, only the subject's row locked): what the handlers and
    # the response read, so neither reads the subject again.
    related: tuple[str, ...] = ()


def _lockable(spec: Subject[M], actor: ActorLike) -> QuerySet[M]:
    """One statement: the subject in the actor's scope, what it is loaded with, and its ledger
    chain's head (the row lock keeps the head ours until the event is appended); no ORDER BY
    for one row. Compiled once per (machine, actor) and thread (core.prepared): the scope is a
    function of the actor alone."""
    qs: QuerySet[M] = spec.scope(actor).annotate(**ledger_head_annotations(spec.machine.name))
    qs = qs.order_by()
    if spec.related:
        qs = qs.select_related(*spec.related)
    if connection.features.has_select_for_update_of:
        return qs.select_for_update(of=("self",))
    return qs.select_for_update()


def _locked(spec: Subject[M], pk: int, actor: ActorLike, expected_version: int | None) -> M:
    """The subject, locked, if the actor may reach it and it is the version the caller saw."""
    subject = prepared((spec.machine.name, actor), lambda: _lockable(spec, actor)).get(pk)
    if subject is None:
        raise NotFound()
    if (
        spec.version_field
        and expected_version is not None
        and getattr(subject, spec.version_field) != expected_version
    ):
        raise Conflict(spec.stale_message, code="stale_version")
    return subject


def act(
    spec: Subject[M],
    *,
    pk: int,
    action: str,
    actor: ActorLike,
    user: Any,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    extra: dict[str, Any] | None = None,
) -> Action[M]:
    """Take `action` on subject `pk`; the completed context (its `subject` saved).

    NotFound outside the actor's scope; Forbidden if the role may never take the action;
    Conflict if the state, a guard or the version forbids it now; ValidationFailed naming
    every bad field. Nothing is written unless everything passes.
    """
    machine = spec.machine
    with transaction.atomic():
        subject = _locked(spec, pk, actor, expected_version)
        transition = machine.check(subject, actor, action)
        ctx = spec.context(
            subject=subject,
            transition=transition,
            actor=actor,
            user=user,
            input=parse_input(transition.input, data),
            data=dict(data or {}),
            now=clock.now(),
            from_state=subject.state,  # type: ignore[attr-defined]
            extra=dict(extra or {}),
        )
        ctx.payload.update(ctx.input.recorded())
        machine.handler(action)(ctx)
        state = ctx.next_state()
        if state != ctx.from_state:
            ctx.set(state=state)
        if spec.finish is not None:
            spec.finish(ctx)
        if spec.version_field:
            ctx.set(**{spec.version_field: getattr(subject, spec.version_field) + 1})
        if spec.touched_field:
            ctx.set(**{spec.touched_field: ctx.now})
        if ctx.changed:
            subject.save(update_fields=sorted(ctx.changed))
        ledger_record(
            subject_type=machine.name,
            subject_id=subject.pk,
            action=action,
            actor=user,
            from_state=ctx.from_state,
            to_state=state,
            payload=ctx.payload,
            at=ctx.now,
            head=ledger_head(subject),
        )
        for effect in ctx.effects:
            transaction.on_commit(effect)
    return ctx


def take(
    spec: Subject[M],
    *,
    pk: int,
    action: str,
    actor: ActorLike,
    user: Any,
    data: dict[str, Any] | None = None,
    files: Sequence[File[Any]] = (),
    files_field: str = "attachments",
    expected_version: int | None = None,
) -> Action[M]:
    """`act` for a person's action that may bring files: the files are checked (type, size,
    count) before anything is locked, and reach the handlers as `extra["files"]`."""
    checked = check_uploads(list(files), field=files_field) if files else []
    return act(
        spec,
        pk=pk,
        action=action,
        actor=actor,
        user=user,
        data=data,
        expected_version=expected_version,
        extra={"files": checked},
    )
