"""The ledger: hash chains, append-only triggers on both databases, `qitong ledger verify|show`,
concurrent writers and the read-only admin."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import urllib.error
import urllib.request
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from qitong.accounts.roles import Role
from qitong.core.errors import Conflict
from qitong.ledger import services
from qitong.ledger.canonical import HASHED_FIELDS, canonical_bytes
from qitong.ledger.models import GENESIS_HASH, Event
from qitong.ledger.services import events_for, ledger_record, ledger_verify
from tests import factories

SUBJECT = "test.thing"

# Vendor-specific SQL to remove the guard against UPDATE / DELETE (PostgreSQL has one row
# trigger for both). Inside a test's transaction, so the drop is rolled back afterwards.
DROP_UPDATE_GUARD = {
    "sqlite": "DROP TRIGGER ledger_event_no_update",
    "postgresql": "DROP TRIGGER ledger_event_no_update ON ledger_event",
}
DROP_DELETE_GUARD = {
    "sqlite": "DROP TRIGGER ledger_event_no_delete",
    "postgresql": "DROP TRIGGER ledger_event_no_update ON ledger_event",
}


def append(n: int, subject_id: str = "1", subject_type: str = SUBJECT, **kw: Any) -> list[Event]:
    with transaction.atomic():
        return [
            ledger_record(
                subject_type=subject_type,
                subject_id=subject_id,
                action=f"step{i + 1}",
                payload={"n": i + 1, "备注": "第一次办理"},
                **{"actor": None, **kw},
            )
            for i in range(n)
        ]


def raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def verify(*args: str) -> tuple[int, str, str]:
    """Run `ledger verify`; return (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("ledger", "verify", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


# --- the chain ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_appending_builds_one_hash_chain_per_subject():
    actor = factories.user("chain-op", Role.OPERATOR)
    actor.display_name = "王话务"
    actor.save(update_fields=["display_name"])
    first = append(3, subject_id="42", actor=actor)
    other = append(1, subject_id="43")

    chain = list(events_for(SUBJECT, 42))
    assert [e.pk for e in chain] == [e.pk for e in first]
    assert [e.seq for e in chain] == [1, 2, 3]
    assert chain[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]
    assert (chain[0].actor_id, chain[0].actor_display, chain[0].actor_role) == (
        actor.pk,
        "王话务",
        "operator",
    )
    # Another subject starts its own chain.
    assert (other[0].seq, other[0].prev_hash) == (1, GENESIS_HASH)
    # Each stored hash is SHA-256 over the canonical encoding of what the database gives back.
    for event in Event.objects.all():
        fields = {name: getattr(event, name) for name in HASHED_FIELDS}
        assert event.hash == hashlib.sha256(canonical_bytes(fields)).hexdigest()


def test_canonical_encoding_is_sorted_compact_utf8_json_with_utc_microseconds():
    fields = {
        "subject_type": "tickets.ticket",
        "subject_id": "7",
        "seq": 2,
        "occurred_at": dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        "actor_id": 5,
        "actor_display": "张三",
        "actor_role": "operator",
        "action": "dispatch",
        "from_state": "registered",
        "to_state": "dispatched",
        "payload": {"note": "转办", "a": [1, 2]},
        "prev_hash": "ab" * 32,
        "hash": "not part of the encoding",
    }
    expected = (
        '{"action":"dispatch","actor_display":"张三","actor_id":5,"actor_role":"operator",'
        '"from_state":"registered","occurred_at":"2026-03-01T01:30:00.000000+00:00",'
        '"payload":{"a":[1,2],"note":"转办"},"prev_hash":"' + "ab" * 32 + '","seq":2,'
        '"subject_id":"7","subject_type":"tickets.ticket","to_state":"dispatched"}'
    ).encode()
    assert canonical_bytes(fields) == expected


@pytest.mark.django_db(transaction=True)
def test_ledger_record_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        ledger_record(subject_type=SUBJECT, subject_id="1", action="x", actor=None)
    assert not Event.objects.exists()


# --- append-only in the database ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_event SET payload = '{\"n\": 99}' WHERE id = %s",
        "UPDATE ledger_event SET action = 'forged' WHERE id = %s",
        "DELETE FROM ledger_event WHERE id = %s",
    ],
    ids=["update-payload", "update-action", "delete"],
)
def test_raw_sql_update_and_delete_are_refused_by_the_database(sql):
    event = append(2)[0]
    before = Event.objects.get(pk=event.pk)
    # The savepoint lets the test's own transaction survive the refused statement.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(sql, [event.pk])
    after = Event.objects.get(pk=event.pk)
    assert (after.payload, after.action, after.hash) == (before.payload, before.action, before.hash)
    assert Event.objects.count() == 2


@pytest.mark.django_db
def test_orm_update_and_delete_are_refused_too():
    event = append(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(actor_display="别人")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.get(pk=event.pk).actor_display == "系统"


@pytest.mark.django_db
def test_truncate_is_refused_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is covered by the DELETE trigger")
    append(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("TRUNCATE ledger_event")
    assert Event.objects.count() == 1


# --- verify ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_verify_on_an_intact_ledger_exits_0_with_the_count():
    append(3)
    append(2, subject_id="2")
    code, out, err = verify()
    assert code == 0
    assert "已校验 5 条事件" in out
    assert err == ""


@pytest.mark.django_db
def test_verify_names_the_event_whose_payload_was_altered():
    events = append(3)
    append(2, subject_id="2")
    target = events[1]
    raw(DROP_UPDATE_GUARD[connection.vendor])
    raw(
        "UPDATE ledger_event SET payload = %s WHERE id = %s",
        [json.dumps({"n": 2, "备注": "被篡改"}), target.pk],
    )

    code, _, err = verify()

    assert code == 1
    assert f"事件 ID：{target.pk}" in err
    assert f"对象：{SUBJECT}:1" in err
    assert "序号：2" in err
    assert "内容与哈希不符" in err
    assert "已校验通过 1 条事件" in err  # the chain was intact up to the altered event


@pytest.mark.django_db
def test_verify_detects_a_deleted_event_as_a_sequence_gap():
    events = append(3)
    raw(DROP_DELETE_GUARD[connection.vendor])
    raw("DELETE FROM ledger_event WHERE id = %s", [events[1].pk])

    code, _, err = verify()

    assert code == 1
    assert f"事件 ID：{events[2].pk}" in err
    assert "序号应为 2，实为 3" in err


@pytest.mark.django_db
def test_verify_detects_an_inserted_event_whose_prev_hash_does_not_link():
    """An INSERT is allowed; a forger who recomputes the event's own hash still breaks the link."""
    events = append(2)
    forged: dict[str, Any] = {name: getattr(events[1], name) for name in HASHED_FIELDS} | {
        "seq": 3,
        "action": "forged",
        "prev_hash": events[0].hash,
    }
    forged["hash"] = services.event_hash(forged)
    forged_event = Event.objects.create(**forged)

    code, _, err = verify()

    assert code == 1
    assert f"事件 ID：{forged_event.pk}" in err
    assert "前一哈希与上一条事件不符" in err


@pytest.mark.django_db
def test_verify_subject_type_limits_the_check():
    append(2, subject_type="test.a")
    append(3, subject_type="test.b")
    raw(DROP_UPDATE_GUARD[connection.vendor])
    raw("UPDATE ledger_event SET action = 'forged' WHERE subject_type = 'test.a' AND seq = 1")

    code, out, _ = verify("--subject-type", "test.b")
    assert (code, "已校验 3 条事件" in out) == (0, True)
    code, _, err = verify("--subject-type", "test.a")
    assert code == 1
    assert "test.a:1" in err
    assert verify()[0] == 1


# --- concurrent writers -------------------------------------------------------------------


@pytest.mark.django_db
def test_second_writer_on_the_same_chain_gets_conflict(monkeypatch):
    """Simulate the race: between reading the last seq and inserting, another transaction
    appends the same seq. The unique (subject, seq) constraint makes the second writer fail
    with Conflict instead of forking the chain."""
    append(1)
    real_hash = services.event_hash

    def rival_appends_first(fields: dict[str, Any]) -> str:
        rival = {**fields, "action": "rival", "payload": {"by": "另一个事务"}}
        rival["hash"] = real_hash(rival)
        Event.objects.create(**rival)
        return real_hash(fields)

    monkeypatch.setattr(services, "event_hash", rival_appends_first)
    with pytest.raises(Conflict) as exc, transaction.atomic():
        ledger_record(subject_type=SUBJECT, subject_id="1", action="mine", actor=None)

    assert exc.value.code == "conflict"
    monkeypatch.undo()
    # The clash failed the caller's whole transaction (the change goes with its event; here
    # the simulated rival shared it): no fork, nothing half-applied, the chain verifies.
    assert [(e.seq, e.action) for e in events_for(SUBJECT, 1)] == [(1, "step1")]
    assert ledger_verify().broken is None
    assert append(1)[0].seq == 2


# --- show -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_show_prints_the_chain_in_order():
    events = append(2)
    out = StringIO()
    call_command("ledger", "show", SUBJECT, "1", stdout=out)
    text = out.getvalue()
    assert f"{SUBJECT}:1 的台账，共 2 条事件" in text
    assert text.index("#1 ") < text.index("#2 ")
    assert f"事件 ID {events[1].pk}" in text
    assert "step2" in text and "第一次办理" in text


@pytest.mark.django_db
def test_show_of_an_unknown_subject_is_an_error():
    with pytest.raises(CommandError, match=r"没有对象 test\.thing:404 的台账事件"):
        call_command("ledger", "show", SUBJECT, "404")


# --- admin ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_lists_and_searches_but_cannot_add_change_or_delete(client):
    admin = factories.user("root", Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    event = append(1, subject_id="ticket-77")[0]
    base = "/admin/ledger/event/"

    listing = client.get(base, {"q": "ticket-77"})
    assert listing.status_code == 200
    assert "ticket-77" in listing.content.decode()
    detail = client.get(f"{base}{event.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert client.get(f"{base}add/").status_code == 403
    assert client.get(f"{base}{event.pk}/delete/").status_code == 403
    assert client.post(f"{base}{event.pk}/change/", {"action": "forged"}).status_code == 403
    form = listing.context["action_form"]
    actions = [] if form is None else [name for name, _ in form.fields["action"].choices]
    assert "delete_selected" not in actions
    assert Event.objects.get(pk=event.pk).action == "step1"


# --- transactional tests can write the ledger (conftest clears it before the flush) ----------


@pytest.mark.django_db(transaction=True)
def test_transactional_test_writes_ledger_event_and_teardown_flush_still_works():
    """Without conftest's `ledger_cleared_before_flush` this test errors at teardown: the
    flush (DELETE / TRUNCATE) is refused by the triggers."""
    append(2)
    assert Event.objects.count() == 2
    # The flush really would be refused while the triggers stand (and changes nothing).
    with pytest.raises(CommandError) as exc:
        call_command("flush", interactive=False, verbosity=0)
    assert isinstance(exc.value.__cause__, DatabaseError)
    assert "append-only" in str(exc.value.__cause__)
    assert Event.objects.count() == 2


def test_live_server_test_writes_ledger_event(live_server):
    """`live_server` tests are transactional too: same teardown path."""
    append(1, subject_id="live")
    try:  # no worker runs here: /healthz is 503 for it, the database part still answers
        response = urllib.request.urlopen(f"{live_server.url}/healthz", timeout=10)
    except urllib.error.HTTPError as unhealthy:
        response = unhealthy
    with response:
        assert json.load(response)["database"]["ok"] is True
    assert Event.objects.filter(subject_id="live").count() == 1


def test_transactional_db_fixture_and_triggers_after_flush(transactional_db):
    """Runs after the tests above (same module, same process unless xdist splits them): their
    flush left an empty ledger whose triggers are back in place."""
    assert not Event.objects.exists()
    append(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("UPDATE ledger_event SET action = 'forged'")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("DELETE FROM ledger_event")


@pytest.mark.django_db
def test_the_append_only_triggers_are_put_back_after_a_migrate():
    """A migration that alters ledger_event on SQLite rebuilds the table without its triggers;
    the post_migrate guard restores them (PostgreSQL keeps triggers through ALTER TABLE)."""
    from django.apps import apps as django_apps

    from qitong.ledger.apps import _append_only

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    raw(DROP_UPDATE_GUARD["sqlite"])
    raw(DROP_DELETE_GUARD["sqlite"])
    _append_only(django_apps.get_app_config("ledger"))
    event = append(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Event.objects.filter(pk=event.pk).delete()
