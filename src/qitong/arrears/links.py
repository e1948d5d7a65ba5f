"""What the arrears ledger links to a supervision problem, shown on the problem's page and in
its API `links` (supervision.presenters.LINKERS): the claims the reader may see."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from qitong.accounts.actor import Actor
from qitong.arrears.selectors import claims_visible_to
from qitong.supervision.models import Problem
from qitong.supervision.presenters import LINKERS


def claims_of_problem(problem: Problem, actor: Actor) -> list[dict[str, Any]]:
    found = claims_visible_to(actor).filter(problems=problem).select_related("debtor")
    return [
        {
            "kind": "arrears.claim",
            "id": claim.pk,
            "label": f"欠款 {claim.number}：{claim.debtor.name} 欠 {claim.owed:,.2f} 元，"
            f"余额 {claim.balance:,.2f} 元（{claim.get_state_display()}）",
            "url": reverse("arrears:claim", args=[claim.pk]),
        }
        for claim in found
    ]


LINKERS.append(claims_of_problem)
