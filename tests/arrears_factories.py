"""Claims for tests, brought to each state by the real actions (never a random status): the
world's Hohhot supervisor keeps the ledger; the debtor (a 新城区 organ) answers through the
world's Hohhot department; the world's enterprise is the creditor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile

from qitong.accounts.models import User
from qitong.arrears.models import Claim, Repayment
from qitong.arrears.services import claim_act, claim_create, defaults_ensure
from qitong.arrears.states import ClaimState
from tests.factories import World, credit_code

C = ClaimState
DEBTOR_CODE = credit_code(9001, region="150102")
BAOTOU_DEBTOR_CODE = credit_code(9002, region="150203")


def paper(name: str = "凭证.pdf") -> ContentFile[bytes]:
    return ContentFile(b"%PDF-1.4\n%test paper\n", name=name)


def claim_body(world: World, **over: Any) -> dict[str, Any]:
    """A 新城区 organ owing the world's enterprise 2,420,000 元 for works delivered
    2025-08-01 (due 2025-08-31 by 第九条)."""
    debtor = {
        "name": "新城区住房和城乡建设局",
        "credit_code": DEBTOR_CODE,
        "kind": "organ",
        "level": "county",
        "region": "150102",
        "department": world.dept.pk,
        **over.pop("debtor", {}),
    }
    contract = {
        "number": "XC-2025-018",
        "kind": "works",
        "amount": "3000000",
        "signed_on": "2025-07-01",
        "delivered_on": "2025-08-01",
        **over.pop("contract", {}),
    }
    return {
        "debtor": debtor,
        "creditor": world.ent.credit_code,
        "contract": contract,
        "owed": "2420000",
        **over,
    }


def baotou_body(world: World) -> dict[str, Any]:
    return claim_body(
        world,
        debtor={
            "name": "昆都仑区财政局",
            "credit_code": BAOTOU_DEBTOR_CODE,
            "region": "150203",
            "department": world.baotou_dept.pk,
        },
        creditor=world.baotou_ent.credit_code,
    )


@dataclass
class Books:
    world: World

    @property
    def office(self) -> User:
        return self.world.users["supervisor"]

    @property
    def handler(self) -> User:
        return self.world.users["handler"]

    @property
    def creditor(self) -> User:
        return self.world.users["enterprise"]

    def create(self, by: User | None = None, **over: Any) -> Claim:
        claim, _ = claim_create(user=by or self.office, data=claim_body(self.world, **over))
        return claim

    def act(self, claim: Claim, action: str, by: User | None = None, **data: Any) -> Claim:
        files = data.pop("files", ())
        return claim_act(pk=claim.pk, action=action, user=by or self.office, data=data, files=files)

    def repay(self, claim: Claim, amount: str, paid_on: str = "2025-09-10", **data: Any) -> Claim:
        data.setdefault("method", "transfer")
        return self.act(claim, "repay", amount=amount, paid_on=paid_on, **data)

    def last_repayment(self, claim: Claim) -> Repayment:
        found = Repayment.objects.filter(claim=claim).order_by("-id").first()
        assert found is not None
        return found

    def confirm(self, claim: Claim, repayment: Repayment | None = None) -> Claim:
        r = repayment or self.last_repayment(claim)
        return self.act(claim, "confirm_repayment", self.creditor, repayment=r.pk)

    def reach(self, state: str, **over: Any) -> Claim:
        """A claim in `state`, by the actions a user would take."""
        c = self.create(**over)
        if state == C.REGISTERED:
            return c
        if state in (C.DISPUTED, C.MEDIATION, C.LITIGATION):
            c = self.act(c, "dispute", disputed="420000", reason="工程量有争议")
            if state == C.MEDIATION:
                c = self.act(c, "mediate", note="交由商会调解")
            if state == C.LITIGATION:
                c = self.act(c, "litigate", court="新城区人民法院")
            return c
        if state == C.WRITTEN_OFF:
            return self.act(
                c, "write_off", reason="债权企业已注销", document="核销决定 1 号", files=[paper()]
            )
        c = self.act(c, "verify", self.handler, note="确认欠款")
        if state == C.VERIFIED:
            return c
        if state == C.PLANNED:
            return self.act(c, "plan", self.handler, plan=[f"{_soon(30)} 支付全部欠款"])
        c = self.repay(c, "1000000")
        if state == C.PARTLY_REPAID:
            return c
        c = self.confirm(c)
        c = self.repay(c, "1420000", paid_on="2025-10-10")
        c = self.confirm(c)
        if state == C.REPAID:
            return c
        assert state == C.CLOSED, state
        return self.act(c, "close", note="已全部清偿")


def _soon(days: int) -> str:
    from qitong.core.workdays import local_today

    return (local_today() + dt.timedelta(days=days)).isoformat()


def books(world: World) -> Books:
    defaults_ensure()
    return Books(world)


ZERO = Decimal("0.00")
