"""Attachments: type by extension and content, size limits, generated names, scoped download;
and the enterprise's own actions (supplement material, rate once)."""

from __future__ import annotations

import base64

import pytest
from django.core.files.base import ContentFile

from qitong.core.errors import ValidationFailed
from qitong.core.uploads import MAX_BYTES
from qitong.ledger.services import events_for
from qitong.tickets.models import Attachment
from qitong.tickets.services import ticket_act
from qitong.tickets.states import TicketState as S
from tests.factories import World
from tests.matrix import client_for
from tests.ticket_factories import act, submit_online, ticket_in_state

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_online_submission_with_a_pdf_is_stored_under_a_generated_name(world: World) -> None:
    upload = ContentFile(PDF, name="../../etc/营业执照.pdf")
    ticket = submit_online(world)
    ticket = act(world, ticket, "register", "operator")
    ticket = act(world, ticket, "dispatch", "operator", department=world.dept.pk)
    ticket = act(world, ticket, "sign", "handler")
    ticket = act(world, ticket, "suspend", "handler", reason="请补充营业执照")
    ticket = ticket_act(
        ticket_id=ticket.pk,
        action="supplement",
        user=world.users["enterprise"],
        data={"note": "已补充营业执照"},
        files=[upload],
    )
    attachment = Attachment.objects.get(ticket=ticket)
    assert attachment.original_name == "营业执照.pdf"
    assert ".." not in attachment.file.name and attachment.file.name.endswith(".pdf")
    assert not attachment.internal
    event = events_for("tickets.ticket", ticket.pk).last()
    assert event.action == "supplement"
    assert event.payload["attachments"][0]["sha256"] == attachment.sha256
    assert ticket.state == S.SUSPENDED  # the handler resumes


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"MZ\x90\x00", "类型不支持"),
        ("fake.pdf", b"MZ\x90\x00this is not a pdf", "内容与扩展名不符"),
        ("empty.png", b"", "空文件"),
    ],
)
def test_bad_files_are_refused_and_nothing_changes(
    world: World, name: str, content: bytes, message: str
) -> None:
    ticket = ticket_in_state(world, S.SUSPENDED)
    events = events_for("tickets.ticket", ticket.pk).count()
    with pytest.raises(ValidationFailed) as info:
        ticket_act(
            ticket_id=ticket.pk,
            action="supplement",
            user=world.users["enterprise"],
            data={"note": "材料"},
            files=[ContentFile(content, name=name)],
        )
    assert message in info.value.fields["attachments"]
    assert events_for("tickets.ticket", ticket.pk).count() == events
    assert not Attachment.objects.exists()


def test_oversized_file_is_refused(world: World) -> None:
    ticket = ticket_in_state(world, S.SUSPENDED)
    big = ContentFile(PDF + b"0" * MAX_BYTES, name="big.pdf")
    with pytest.raises(ValidationFailed) as info:
        ticket_act(
            ticket_id=ticket.pk,
            action="supplement",
            user=world.users["enterprise"],
            data={"note": "材料"},
            files=[big],
        )
    assert "超过 20 MB" in info.value.fields["attachments"]


def test_api_attachments_and_scoped_download(world: World) -> None:
    body = {
        "type": "help",
        "category": "finance.loan",
        "channel": "web",
        "content": "贷款贴息申请",
        "contact_phone": "13800000001",
        "attachments": [{"name": "申请表.pdf", "content_base64": base64.b64encode(PDF).decode()}],
    }
    enterprise = client_for(world, "enterprise")
    created = enterprise.post("/api/v1/tickets", body, content_type="application/json")
    assert created.status_code == 201, created.content
    ticket_id = created.json()["id"]
    detail = enterprise.get(f"/api/v1/tickets/{ticket_id}").json()
    [attachment] = detail["attachments"]
    assert attachment["name"] == "申请表.pdf"
    download = enterprise.get(attachment["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "filename*=UTF-8''" in download["Content-Disposition"]
    other = client_for(world, "handler")  # not dispatched to its department
    assert other.get(attachment["url"]).status_code == 404
    bad = enterprise.post(
        "/api/v1/tickets",
        {**body, "attachments": [{"name": "x.pdf", "content_base64": "%%%"}]},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert list(bad.json()["fields"]) == ["attachments.0.content_base64"]


def test_internal_files_are_hidden_from_the_enterprise(world: World) -> None:
    ticket = ticket_in_state(world, S.IN_PROGRESS)
    ticket_act(
        ticket_id=ticket.pk,
        action="remind",
        user=world.users["desk_lead"],
        data={"note": "内部材料"},
        files=[ContentFile(PDF, name="内部.pdf")],
    )
    attachment = Attachment.objects.get(ticket=ticket)
    assert attachment.internal
    url = f"/tickets/{ticket.pk}/attachments/{attachment.pk}/"
    assert client_for(world, "enterprise").get(url).status_code == 404
    assert client_for(world, "handler").get(url).status_code == 200
    assert (
        client_for(world, "enterprise").get(f"/api/v1/tickets/{ticket.pk}").json()["attachments"]
        == []
    )


def test_enterprise_rates_a_closed_ticket_once(world: World) -> None:
    ticket = ticket_in_state(world, S.CLOSED)
    with pytest.raises(ValidationFailed) as bad:
        act(world, ticket, "rate", "enterprise", rating=7)
    assert bad.value.fields == {"rating": "评价应为 1（非常不满意）到 5（非常满意）"}
    ticket = act(world, ticket, "rate", "enterprise", rating=5, comment="办理很及时")
    assert ticket.enterprise_rating == 5 and ticket.enterprise_comment == "办理很及时"
    # The comment is shown: to the desk on the ticket page, to the enterprise on its own.
    from django.urls import reverse

    from tests.matrix import client_for

    staff = client_for(world, "operator").get(reverse("tickets:detail", args=[ticket.pk]))
    assert "评价意见" in staff.content.decode() and "办理很及时" in staff.content.decode()
    own = client_for(world, "enterprise").get(reverse("portal:detail", args=[ticket.pk]))
    assert "办理很及时" in own.content.decode()
    from qitong.core.errors import Conflict

    with pytest.raises(Conflict):
        act(world, ticket, "rate", "enterprise", rating=1)
