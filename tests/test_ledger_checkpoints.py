"""Signed checkpoints: with the append-only triggers dropped (as an attacker with database
access would), deleting the last events of one chain and a whole other chain used to leave
`qitong ledger verify` at exit 0. Now each is named."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from qitong.ledger.checkpoints import checkpoint_create, checkpoint_due, checkpoints_verify
from qitong.ledger.models import Checkpoint, CheckpointHead, Event
from tests.test_ledger import DROP_DELETE_GUARD, append, raw, verify

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("no_lag"),
]


@pytest.fixture
def no_lag():  # type: ignore[no-untyped-def]
    with override_settings(QITONG_LEDGER_CHECKPOINT_LAG_SECONDS=0):
        yield


def _delete(*ids: int) -> None:
    raw(DROP_DELETE_GUARD[connection.vendor])
    for pk in ids:
        raw("DELETE FROM ledger_event WHERE id = %s", [pk])


def test_truncated_tail_and_missing_chain_are_named() -> None:
    one = append(4, subject_id="1")
    two = append(2, subject_id="2")
    append(1, subject_id="3")
    assert checkpoint_create() is not None
    _delete(one[-1].pk, one[-2].pk, *(e.pk for e in two))

    code, _, err = verify()

    assert code == 1
    assert "test.thing:1" in err and "链尾缺失：第 3–4 条不在了" in err
    assert "test.thing:2" in err and "整条链缺失" in err
    assert "4 条被删除" in err
    assert "test.thing:3" not in err


def test_without_tampering_verify_passes_with_checkpoints() -> None:
    append(3)
    checkpoint_create()
    append(2)  # after the checkpoint: not anchored yet, and no finding
    checkpoint_create()
    code, out, _ = verify()
    assert code == 0 and "与检查点一致" in out
    assert checkpoints_verify() == []


def test_only_chains_that_grew_are_anchored_again() -> None:
    append(2, subject_id="1")
    append(2, subject_id="2")
    first = checkpoint_create()
    append(1, subject_id="2")
    second = checkpoint_create()
    assert first and second
    assert CheckpointHead.objects.filter(checkpoint=first).count() == 2
    assert list(
        CheckpointHead.objects.filter(checkpoint=second).values_list("subject_id", "seq")
    ) == [("2", 3)]
    assert (second.events, second.chains) == (5, 2)
    assert checkpoint_create() is None  # nothing new


def test_a_tail_cut_after_a_later_checkpoint_is_still_caught() -> None:
    events = append(3)
    checkpoint_create()
    more = append(2)
    checkpoint_create()
    _delete(more[-1].pk)
    findings = checkpoints_verify()
    assert [f.kind for f in findings] == ["count", "missing_tail"]
    assert events  # the first checkpoint's head (seq 3) is intact; seq 5 is the one gone


def test_an_altered_checkpoint_is_caught() -> None:
    append(2)
    cp = checkpoint_create()
    assert cp is not None
    Checkpoint.objects.filter(pk=cp.pk).update(events=1)
    kinds = {f.kind for f in checkpoints_verify()}
    assert "signature" in kinds


def test_a_forged_head_is_caught() -> None:
    append(2)
    cp = checkpoint_create()
    CheckpointHead.objects.filter(checkpoint=cp).update(seq=1)
    assert "digest" in {f.kind for f in checkpoints_verify()}


def test_a_deleted_checkpoint_breaks_the_link() -> None:
    append(1, subject_id="1")
    first = checkpoint_create()
    append(1, subject_id="2")
    checkpoint_create()
    assert first is not None
    CheckpointHead.objects.filter(checkpoint=first).delete()
    first.delete()
    assert "link" in {f.kind for f in checkpoints_verify()}


def test_a_different_key_shows_as_a_bad_signature() -> None:
    append(1)
    checkpoint_create()
    with override_settings(QITONG_LEDGER_KEY="another-key-" + "x" * 30):
        assert {f.kind for f in checkpoints_verify()} == {"signature"}


def test_recent_events_wait_for_the_next_checkpoint() -> None:
    append(2)
    with override_settings(QITONG_LEDGER_CHECKPOINT_LAG_SECONDS=600):
        assert checkpoint_create() is None


def test_the_periodic_job_writes_one_per_interval() -> None:
    append(1)
    assert checkpoint_due() is not None
    append(1)
    assert checkpoint_due() is None  # the last is younger than an hour
    with override_settings(QITONG_LEDGER_CHECKPOINT_SECONDS=0):
        assert checkpoint_due() is not None


def test_commands_checkpoint_export_and_compare(tmp_path: Path) -> None:
    append(2)
    out = StringIO()
    call_command("ledger", "checkpoint", stdout=out)
    assert "已写入检查点 #1" in out.getvalue()
    export = tmp_path / "checkpoints.jsonl"
    call_command("ledger", "export", str(export), stdout=StringIO())
    assert export.read_text().count("\n") == 1
    assert verify("--against", str(export))[0] == 0
    CheckpointHead.objects.all().delete()
    Checkpoint.objects.all().delete()
    code, _, err = verify("--against", str(export))
    assert code == 1 and "检查点 #1" in err and "数据库中已没有" in err


def test_verify_without_checkpoints_is_the_chain_check_alone() -> None:
    append(2)
    assert Event.objects.count() == 2
    assert verify()[0] == 0
