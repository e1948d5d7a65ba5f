"""SLA policies and holiday overrides are cached per process and dropped when a row is saved
(core.refcache); the test settings turn the cache off, so these tests turn it on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from qitong.core.models import HolidayOverride
from qitong.core.workdays import CALENDAR_CACHE, load_calendar
from qitong.tickets.deadlines import POLICY_CACHE, load_policies
from qitong.tickets.models import SlaPolicy

pytestmark = pytest.mark.django_db
KEY = ("consultation", "normal", "reply")


@pytest.fixture(autouse=True)
def _fresh() -> None:
    POLICY_CACHE.clear()
    CALENDAR_CACHE.clear()
    yield
    POLICY_CACHE.clear()
    CALENDAR_CACHE.clear()


@override_settings(QITONG_REFERENCE_CACHE_SECONDS=60)
def test_policies_are_read_once_and_reloaded_after_a_save(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(1):
        first = load_policies()
        again = load_policies()
    assert first is again
    row, _ = SlaPolicy.objects.update_or_create(
        ticket_type=KEY[0],
        urgency=KEY[1],
        milestone=KEY[2],
        defaults={"amount": Decimal("4"), "unit": "working_days"},
    )
    assert load_policies()[KEY].amount == Decimal("4")
    row.amount = Decimal("6")
    row.save()
    assert load_policies()[KEY].amount == Decimal("6")


@override_settings(QITONG_REFERENCE_CACHE_SECONDS=60)
def test_calendar_is_reloaded_after_a_holiday_override_is_saved_or_deleted() -> None:
    day = dt.date(2031, 3, 3)  # a Monday in a year chinese-calendar does not cover
    assert load_calendar().is_workday(day)
    override = HolidayOverride.objects.create(date=day, is_workday=False, name="地方假日")
    assert not load_calendar().is_workday(day)
    override.delete()
    assert load_calendar().is_workday(day)


@override_settings(QITONG_REFERENCE_CACHE_SECONDS=0)
def test_zero_seconds_turns_the_cache_off(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(2):
        load_policies()
        load_policies()
