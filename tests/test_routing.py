"""Routing a consultation to a policy specialist: every step, timeouts moving an offer on,
capacity, off-duty, language and one-to-one pairing; through the services and the sweep,
with every move on the ticket's ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from qitong.accounts.roles import Role
from qitong.core import clock
from qitong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from qitong.core.workdays import LOCAL_TZ
from qitong.directory.models import PolicyDomain, Specialist
from qitong.ledger.services import events_for, ledger_verify
from qitong.notifications.models import Notification
from qitong.routing.models import Pairing, RoutingStep
from qitong.tickets.models import Offer, Ticket
from qitong.tickets.services import ticket_act
from qitong.tickets.states import TicketState as S
from qitong.tickets.tasks import sweep
from tests import factories
from tests.factories import World
from tests.ticket_factories import act, file_by_phone

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=LOCAL_TZ)


class Desk:
    """Specialists of the tax domain: two in Hohhot (the caller's 盟市), one in Baotou."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.tax = PolicyDomain.objects.get(code="tax")
        self.hohhot_a = world.specialist
        self.hohhot_b = self.make("S-HB", "专员乙", world.hohhot, phone="13900000002")
        self.baotou = self.make("S-BT", "专员丙", world.baotou)

    def make(self, code: str, name: str, region: Any, **extra: Any) -> Specialist:
        user = factories.user(f"u-{code}", Role.SPECIALIST)
        s = Specialist.objects.create(
            code=code,
            name=name,
            user=user,
            department=self.world.dept,
            region=region,
            languages=extra.pop("languages", ["zh"]),
            **extra,
        )
        s.domains.add(self.tax)
        return s

    def consult(self, **refer: Any) -> Ticket:
        ticket = file_by_phone(self.world)  # tax.policy → domain "tax", Hohhot enterprise
        return act(self.world, ticket, "refer", "operator", **refer)

    def as_specialist(self, s: Specialist, ticket: Ticket, action: str, **data: Any) -> Ticket:
        return ticket_act(ticket_id=ticket.pk, action=action, user=s.user, data=data)


@pytest.fixture
def desk(world: World) -> Desk:
    return Desk(world)


def offers(ticket: Ticket) -> list[tuple[str, str, str]]:
    return [
        (o.specialist.code, o.step, o.state)
        for o in Offer.objects.filter(ticket=ticket).select_related("specialist").order_by("pk")
    ]


def test_same_domain_in_the_callers_city_first_least_loaded(desk: Desk) -> None:
    with clock.frozen(NOW):
        first = desk.consult()
        assert first.state == S.WITH_SPECIALIST and not first.specialist_accepted
        assert first.route_domain == "tax"
        assert offers(first) == [("S00001", "domain_city", "pending")]
        # The second request goes to the other Hohhot specialist: less loaded.
        second = desk.consult()
        assert offers(second) == [("S-HB", "domain_city", "pending")]
        offer = Offer.objects.get(ticket=second)
        assert offer.expires_at == NOW + dt.timedelta(minutes=30)
        assert Notification.objects.filter(kind="offer_made", user=desk.hohhot_b.user).exists()
        # An offer waits half an hour: the specialist also gets an SMS.
        assert Notification.objects.filter(kind="offer_made", phone="13900000002").exists()


def test_equal_load_prefers_the_better_rated(desk: Desk, world: World) -> None:
    with clock.frozen(NOW):
        # One answered consultation each, rated differently at callback.
        for s, satisfaction in ((desk.hohhot_a, 3), (desk.hohhot_b, 5)):
            t = desk.consult(specialist=s.pk)
            desk.as_specialist(s, t, "accept_offer")
            desk.as_specialist(s, t, "specialist_reply", answer="按政策办理")
            act(world, t, "callback", "operator", satisfaction=satisfaction, resolved=True)
        assert offers(desk.consult())[0][0] == "S-HB"


def test_decline_and_timeout_move_on_then_region_wide_then_back_to_the_desk(
    desk: Desk, world: World
) -> None:
    with clock.frozen(NOW):
        ticket = desk.consult()
        with pytest.raises(ValidationFailed) as why:
            desk.as_specialist(desk.hohhot_a, ticket, "decline_offer")
        assert set(why.value.fields) == {"reason"}
        with pytest.raises(NotFound):  # another specialist does not even see the request
            desk.as_specialist(desk.hohhot_b, ticket, "accept_offer")
        ticket = desk.as_specialist(desk.hohhot_a, ticket, "decline_offer", reason="正在出差")
        assert ticket.specialist == desk.hohhot_b and ticket.state == S.WITH_SPECIALIST
    # Nobody accepts within the step's 30 minutes: the sweep moves it to the next step.
    with clock.frozen(NOW + dt.timedelta(minutes=31)):
        assert sweep()["rerouted"] == 1
        ticket.refresh_from_db()
        assert ticket.specialist == desk.baotou
        assert offers(ticket) == [
            ("S00001", "domain_city", "declined"),
            ("S-HB", "domain_city", "expired"),
            ("S-BT", "domain_region", "pending"),
        ]
        assert Offer.objects.get(ticket=ticket, state="pending").expires_at == (
            NOW + dt.timedelta(minutes=91)
        )
    with clock.frozen(NOW + dt.timedelta(minutes=95)):
        assert sweep()["rerouted"] == 1
        ticket.refresh_from_db()
    assert ticket.state == S.REGISTERED and ticket.specialist is None  # back to the desk
    assert ticket.milestone == "dispatch"
    assert Notification.objects.filter(
        kind="offer_unrouted", user=world.users["desk_lead"]
    ).exists()
    actions = [e.action for e in events_for("tickets.ticket", ticket.pk)]
    assert actions[-4:] == ["refer", "decline_offer", "reroute", "reroute"]
    system = list(events_for("tickets.ticket", ticket.pk))[-1]
    assert system.actor_id is None and system.payload["back_to_desk"] is True
    assert ledger_verify().broken is None
    with clock.frozen(NOW + dt.timedelta(minutes=96)):  # referred again: a fresh round
        ticket = act(world, ticket, "refer", "operator")
    assert ticket.specialist in (desk.hohhot_a, desk.hohhot_b)


def test_accepting_in_time_stops_the_clock_on_the_offer(desk: Desk) -> None:
    with clock.frozen(NOW):
        ticket = desk.consult()
        ticket = desk.as_specialist(desk.hohhot_a, ticket, "accept_offer")
        assert ticket.specialist_accepted
        with pytest.raises(Conflict):
            desk.as_specialist(desk.hohhot_a, ticket, "decline_offer", reason="晚了")
    with clock.frozen(NOW + dt.timedelta(hours=2)):
        assert sweep()["rerouted"] == 0
        ticket = desk.as_specialist(
            desk.hohhot_a, ticket, "specialist_reply", answer="小微企业减按 25% 计入。"
        )
    assert ticket.state == S.AWAITING_CALLBACK
    assert offers(ticket) == [("S00001", "domain_city", "accepted")]


def test_capacity_and_off_duty_are_skipped(desk: Desk) -> None:
    desk.hohhot_a.capacity = 1
    desk.hohhot_a.save()
    desk.hohhot_b.on_duty = False
    desk.hohhot_b.save()
    with clock.frozen(NOW):
        assert offers(desk.consult())[0][:2] == ("S00001", "domain_city")
        # S00001 is full now and 专员乙 is off duty: region-wide, Baotou.
        assert offers(desk.consult())[0][:2] == ("S-BT", "domain_region")
        desk.baotou.capacity = 1
        desk.baotou.save()
        with pytest.raises(ValidationFailed) as nobody:
            desk.consult()
        assert "没有可以接收的政策专员" in nobody.value.fields["specialist"]
        with pytest.raises(ValidationFailed) as off:
            desk.consult(specialist=desk.hohhot_b.pk)
        assert "不在岗" in off.value.fields["specialist"]


def test_the_paired_specialist_comes_first_even_from_another_city(desk: Desk, world: World) -> None:
    Pairing.objects.create(enterprise=world.ent, specialist=desk.baotou, paired_at=NOW)
    with clock.frozen(NOW):
        assert offers(desk.consult()) == [("S-BT", "paired", "pending")]


def test_language_and_the_operators_choice(desk: Desk) -> None:
    mongolian = desk.make("S-MN", "专员丁", desk.world.baotou, languages=["zh", "mn"])
    with clock.frozen(NOW):
        assert offers(desk.consult(language="mn")) == [("S-MN", "domain_region", "pending")]
        chosen = desk.consult(specialist=desk.baotou.pk)
        assert offers(chosen) == [("S-BT", "chosen", "pending")]
        with pytest.raises(ValidationFailed) as bad_domain:
            desk.consult(domain="nope")
        assert set(bad_domain.value.fields) == {"domain"}
        with pytest.raises(ValidationFailed) as bad_language:
            desk.consult(language="fr")
        assert set(bad_language.value.fields) == {"language"}
    assert mongolian.pk


def test_steps_are_editable_and_a_disabled_step_is_skipped(desk: Desk) -> None:
    RoutingStep.objects.filter(kind="domain_city").update(active=False)
    RoutingStep.objects.filter(kind="domain_region").update(timeout_minutes=10)
    with clock.frozen(NOW):
        ticket = desk.consult()
    assert offers(ticket)[0][1] == "domain_region"
    assert Offer.objects.get(ticket=ticket).expires_at == NOW + dt.timedelta(minutes=10)


def test_withdrawal_withdraws_the_offer(desk: Desk, world: World) -> None:
    with clock.frozen(NOW):
        ticket = desk.consult()
        act(world, ticket, "withdraw", "operator", reason="企业已自行解决")
    assert offers(ticket) == [("S00001", "domain_city", "withdrawn")]
    with clock.frozen(NOW + dt.timedelta(hours=1)):
        assert sweep()["rerouted"] == 0


def test_pairing_by_the_desk_replaces_and_ends_on_the_ledger(desk: Desk, world: World) -> None:
    from qitong.ledger.services import events_for as chain
    from qitong.routing.services import pairing_set

    operator = world.users["operator"]
    first = pairing_set(user=operator, enterprise_id=world.ent.pk, specialist_id=desk.hohhot_b.pk)
    assert first is not None and first.active
    second = pairing_set(user=operator, enterprise_id=world.ent.pk, specialist_id=desk.baotou.pk)
    first.refresh_from_db()
    assert not first.active and second is not None and second.specialist == desk.baotou
    assert pairing_set(user=operator, enterprise_id=world.ent.pk, specialist_id=None) is None
    assert not Pairing.objects.filter(enterprise=world.ent, active=True).exists()
    actions = [e.action for e in chain("enterprises.enterprise", world.ent.pk)]
    assert actions[-3:] == ["pair", "pair", "unpair"]
    with pytest.raises(NotFound):  # Baotou's enterprise is outside the Hohhot desk
        pairing_set(user=operator, enterprise_id=world.baotou_ent.pk, specialist_id=None)
    with pytest.raises(Forbidden):
        pairing_set(user=world.users["handler"], enterprise_id=world.ent.pk, specialist_id=None)


def test_pairings_in_bulk_from_excel_all_or_nothing(desk: Desk, world: World) -> None:
    from qitong.directory.excel.workbook import ExcelImportFailed
    from qitong.routing.excel import export_pairings, import_pairings
    from tests.workbooks import workbook

    def sheet(*rows: tuple[str, str]) -> bytes:
        return workbook([["统一社会信用代码", "专员编号"], *[list(r) for r in rows]])

    operator = world.users["operator"]
    with pytest.raises(ExcelImportFailed) as bad:
        import_pairings(
            sheet(
                (world.ent.credit_code, "S-HB"),
                (world.baotou_ent.credit_code, "S-HB"),
                (world.ent.credit_code, "NOPE"),
            ),
            user=operator,
        )
    assert bad.value.problems == [
        f"第 3 行 统一社会信用代码：未找到企业 {world.baotou_ent.credit_code}（或不在您的辖区）",
        "第 4 行 统一社会信用代码：与第 2 行重复",
    ]
    assert not Pairing.objects.exists()
    result = import_pairings(sheet((world.ent.credit_code, "S-HB")), user=operator)
    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    again = import_pairings(export_pairings(operator), user=operator)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    with clock.frozen(NOW):  # the pairing is used first
        assert offers(desk.consult())[0][:2] == ("S-HB", "paired")


def test_specialists_api_for_the_desk(desk: Desk, world: World) -> None:
    from django.test import Client

    with clock.frozen(NOW):
        desk.consult()
    client = Client()
    client.force_login(world.users["operator"])
    rows = client.get("/api/v1/specialists", {"domain": "tax", "region": "150100"}).json()
    assert {r["code"] for r in rows} == {"S00001", "S-HB"}
    loaded = next(r for r in rows if r["code"] == "S00001")
    assert loaded["load"] == 1 and loaded["capacity"] == 5 and loaded["domains"] == ["tax"]
    assert client.get("/api/v1/specialists", {"region": "15"}).status_code == 422
    off = client.get("/api/v1/specialists", {"on_duty": "false"}).json()
    assert off == []
    enterprise = Client()
    enterprise.force_login(world.users["enterprise"])
    assert enterprise.get("/api/v1/specialists").status_code == 403
    put = client.put(
        f"/api/v1/enterprises/{world.ent.pk}/pairing",
        {"specialist": desk.hohhot_b.pk},
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["specialist_name"] == "专员乙"
    assert (
        client.put(
            f"/api/v1/enterprises/{world.baotou_ent.pk}/pairing",
            {"specialist": None},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_the_ticket_api_shows_the_offer(desk: Desk, world: World) -> None:
    from django.test import Client

    with clock.frozen(NOW):
        ticket = desk.consult()
    client = Client()
    client.force_login(world.users["operator"])
    body = client.get(f"/api/v1/tickets/{ticket.pk}").json()
    assert body["specialist"]["id"] == world.specialist.pk and body["specialist_accepted"] is False
    assert body["offer"]["state"] == "pending" and body["offer"]["step"] == "domain_city"
    enterprise = Client()
    enterprise.force_login(world.users["enterprise"])
    assert enterprise.get(f"/api/v1/tickets/{ticket.pk}").json()["offer"] is None
    specialist = Client()
    specialist.force_login(world.specialist.user)
    accepted = specialist.post(
        f"/api/v1/tickets/{ticket.pk}/actions/accept_offer", {}, content_type="application/json"
    )
    assert accepted.status_code == 200 and accepted.json()["specialist_accepted"] is True
    again = specialist.post(
        f"/api/v1/tickets/{ticket.pk}/actions/accept_offer", {}, content_type="application/json"
    )
    assert again.status_code == 409


def test_the_desk_pairs_from_the_ticket_page(desk: Desk, world: World) -> None:
    from django.test import Client

    ticket = file_by_phone(world)
    client = Client()
    client.force_login(world.users["operator"])
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "一对一专员" in page and "未结对" in page and "专员乙" in page
    response = client.post(f"/tickets/{ticket.pk}/pairing/", {"specialist": desk.hohhot_b.pk})
    assert response.status_code == 302
    assert Pairing.objects.get(enterprise=world.ent, active=True).specialist == desk.hohhot_b
    handler = Client()
    handler.force_login(world.users["handler"])
    assert handler.post(f"/tickets/{ticket.pk}/pairing/", {}).status_code == 404


def test_statistics_per_specialist_and_domain(desk: Desk, world: World) -> None:
    from django.test import Client

    from qitong.accounts.actor import actor_of
    from qitong.dashboards.specialists import specialist_stats

    with clock.frozen(NOW):
        t1 = desk.consult()  # → S00001
        desk.as_specialist(desk.hohhot_a, t1, "decline_offer", reason="出差")  # → S-HB
        desk.as_specialist(desk.hohhot_b, t1, "accept_offer")
    with clock.frozen(NOW + dt.timedelta(hours=3)):
        desk.as_specialist(desk.hohhot_b, t1, "specialist_reply", answer="可以享受。")
        act(world, t1, "callback", "operator", satisfaction=4, resolved=True)
        people, domains = specialist_stats(
            actor=actor_of(world.users["desk_lead"]), since=NOW - dt.timedelta(days=1)
        )
    by_name = {p.label: p for p in people}
    assert by_name["专员甲"].offers == 1 and by_name["专员甲"].declined == 1
    b = by_name["专员乙"]
    assert (b.offers, b.accepted, b.answered, b.median_hours, b.satisfaction) == (1, 1, 1, 3.0, 4)
    [tax] = domains
    assert (tax.key, tax.offers, tax.accepted, tax.acceptance) == ("tax", 2, 1, 0.5)
    client = Client()
    client.force_login(world.users["supervisor"])
    with clock.frozen(NOW + dt.timedelta(hours=4)):
        page = client.get("/routing/stats/").content.decode()
    assert "专员乙" in page and "50%" in page
    operator = Client()
    operator.force_login(world.users["operator"])
    assert operator.get("/routing/stats/").status_code == 404


def test_the_ticket_page_shows_the_enterprises_other_appeals_in_scope(
    desk: Desk, world: World
) -> None:
    from django.test import Client

    earlier = file_by_phone(world, content="去年咨询过的出口退税问题")
    with clock.frozen(NOW):
        ticket = desk.consult()
    operator = Client()
    operator.force_login(world.users["operator"])
    page = operator.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "该企业的其他诉求" in page and earlier.number in page
    specialist = Client()
    specialist.force_login(world.specialist.user)
    own = specialist.get(f"/tickets/{ticket.pk}/").content.decode()
    assert earlier.number not in own  # outside the specialist's scope


def test_a_duty_schedule_limits_when_offers_come(desk: Desk) -> None:
    desk.hohhot_a.duty_hours = [["08:30", "12:00"]]
    desk.hohhot_a.save()
    desk.hohhot_b.duty_hours = [["14:00", "18:00"]]
    desk.hohhot_b.save()
    with clock.frozen(NOW):  # Thursday 10:00
        assert offers(desk.consult())[0][0] == "S00001"
    with clock.frozen(NOW.replace(hour=15)):
        assert offers(desk.consult())[0][0] == "S-HB"
    saturday = dt.datetime(2026, 11, 28, 10, 0, tzinfo=LOCAL_TZ)
    with clock.frozen(saturday):  # neither schedule covers a rest day: region-wide
        assert offers(desk.consult())[0][0] == "S-BT"
        with pytest.raises(ValidationFailed) as off:
            desk.consult(specialist=desk.hohhot_a.pk)
        assert "值班时段" in off.value.fields["specialist"]
    desk.hohhot_a.duty_hours = [["12:00", "08:00"]]
    with pytest.raises(Exception) as bad:
        desk.hohhot_a.full_clean()
    assert "值班时段" in str(bad.value)


def test_the_specialist_declines_on_the_page_with_a_reason(desk: Desk, world: World) -> None:
    from django.test import Client

    with clock.frozen(NOW):
        ticket = desk.consult()
    client = Client()
    client.force_login(world.specialist.user)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "接受咨询" in page and 'name="decline_offer-reason"' in page
    empty = client.post(
        f"/tickets/{ticket.pk}/act/decline_offer/",
        {"decline_offer-version": str(ticket.version)},
        headers={"HX-Request": "true"},
    )
    assert empty.status_code == 400 and "请填写谢绝理由" in empty.content.decode()
    with clock.frozen(NOW):
        done = client.post(
            f"/tickets/{ticket.pk}/act/decline_offer/",
            {"decline_offer-reason": "本周在外培训", "decline_offer-version": str(ticket.version)},
        )
    assert done.status_code == 302 and done["Location"] == "/specialist/"  # left their scope
    assert "已谢绝咨询" in client.get("/specialist/").content.decode()
    ticket.refresh_from_db()
    assert ticket.specialist == desk.hohhot_b


def test_declining_from_the_htmx_panel_sends_the_specialist_home(desk: Desk, world: World) -> None:
    from django.test import Client

    with clock.frozen(NOW):
        ticket = desk.consult()
        client = Client()
        client.force_login(world.specialist.user)
        response = client.post(
            f"/tickets/{ticket.pk}/act/decline_offer/",
            {"decline_offer-reason": "不熟悉该领域", "decline_offer-version": str(ticket.version)},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 204 and response["HX-Redirect"] == "/specialist/"
