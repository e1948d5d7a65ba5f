"""Every write of the arrears domain (issue 14). Registering a claim (by hand, from a complaint
or a row of an imported ledger) is `claim_create`; every later change is an action on the
workflow core (`claim_act` → workflow.skeleton, handlers in arrears.handlers): lock, check
the transition and the version, validate, handle, save, ledger event in the same
transaction, notes on commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files import File
from django.db import IntegrityError, transaction

from qitong.accounts.actor import SYSTEM, Actor, actor_of
from qitong.accounts.models import User
from qitong.arrears import rules
from qitong.arrears.inputs import ClaimIn, ContractIn, DebtorIn
from qitong.arrears.models import Claim, ClaimSource, Debtor, LoanPrimeRate
from qitong.arrears.selectors import claims_visible_to, may_register
from qitong.arrears.states import ClaimState, FileKind
from qitong.arrears.tally import claim_apply, claim_contribution
from qitong.core import clock, idempotency
from qitong.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from qitong.core.uploads import CheckedFile, check_uploads
from qitong.core.workdays import LOCAL_TZ, load_calendar
from qitong.directory.models import Department, Region
from qitong.enterprises.models import Enterprise, SizeClass
from qitong.enterprises.validators import validate_credit_code
from qitong.ledger.services import ledger_record
from qitong.workflow.inputs import parse_input
from qitong.workflow.skeleton import act, take

DEBTOR_SUBJECT = "arrears.debtor"


def lpr_table() -> list[tuple[dt.date, Decimal]]:
    return list(LoanPrimeRate.objects.values_list("effective_on", "one_year"))


def defaults_ensure() -> None:
    """The LPR history where missing (the migration seeds it; a test database flushed
    between tests gets it back without touching edited rows)."""
    for day, rate in rules.LPR_HISTORY:
        LoanPrimeRate.objects.get_or_create(
            effective_on=dt.date.fromisoformat(day), defaults={"one_year": Decimal(rate)}
        )


def _code_error(code: str) -> str | None:
    try:
        validate_credit_code(code)
    except DjangoValidationError as exc:
        return " ".join(str(m) for m in exc.messages)
    return None


# --- the debtor -------------------------------------------------------------------------------


def debtor_resolve(
    args: DebtorIn, *, actor: Actor, user: User, now: dt.datetime, errors: dict[str, str]
) -> Debtor | None:
    """The debtor by its credit code, registered (and ledgered) the first time it is named;
    it must lie in the actor's region. Problems are added to `errors` by field path."""
    code = args.credit_code.strip().upper()
    if (bad := _code_error(code)) is not None:
        errors["debtor.credit_code"] = bad
        if not Region.objects.filter(code=args.region.strip()).exists():
            errors["debtor.region"] = f"未知的区划代码：{args.region}"
        return None
    found = Debtor.objects.select_related("region").filter(credit_code=code).first()
    if found is not None:
        if not actor.covers(found.region.code):
            errors["debtor.region"] = f"债务人“{found.name}”不在您的清欠范围内"
            return None
        return found
    region = Region.objects.filter(code=args.region.strip()).first()
    if region is None:
        errors["debtor.region"] = f"未知的区划代码：{args.region}"
        return None
    if not actor.covers(region.code):
        errors["debtor.region"] = f"地区“{region.name}”不在您的清欠范围内"
        return None
    department = None
    if args.department is not None:
        department = Department.objects.filter(pk=args.department, active=True).first()
        if department is None:
            errors["debtor.department"] = f"未知的主管部门：{args.department}"
            return None
    if errors:
        return None
    assert args.kind is not None and args.level is not None  # required by the schema
    debtor = Debtor.objects.create(
        name=args.name,
        credit_code=code,
        kind=args.kind,
        level=args.level,
        region=region,
        department=department,
        created_at=now,
    )
    ledger_record(
        subject_type=DEBTOR_SUBJECT,
        subject_id=debtor.pk,
        action="create",
        actor=user,
        payload={"name": debtor.name, "credit_code": code, "kind": debtor.kind},
        at=now,
        new_subject=True,
    )
    return debtor


# --- registering a claim ----------------------------------------------------------------------


def contract_facts(c: ContractIn, *, debtor_kind: str, sme: bool) -> rules.Contract:
    assert c.signed_on is not None  # required by the schema
    return rules.Contract(
        debtor_kind=debtor_kind,
        sme=sme,
        signed_on=c.signed_on,
        delivered_on=c.delivered_on,
        accepted_on=c.accepted_on,
        acceptance_days=c.acceptance_days,
        settlement_confirmed_on=c.settlement_confirmed_on,
        agreed_days=c.agreed_days,
        back_to_back=bool(c.back_to_back),
    )


def _creditor(code: str, errors: dict[str, str]) -> Enterprise | None:
    text = code.strip().upper()
    if (bad := _code_error(text)) is not None:
        errors["creditor"] = bad
        return None
    found = Enterprise.objects.filter(credit_code=text).first()
    if found is None:
        errors["creditor"] = f"未登记的企业：{text}（请先在企业库登记该企业）"
    return found


def _linked(args: ClaimIn, actor: Actor, errors: dict[str, str]) -> tuple[Any, Any]:
    """The ticket and problem the claim comes from, within the actor's scope."""
    from qitong.supervision.selectors import problems_visible_to
    from qitong.tickets.selectors import tickets_visible_to

    ticket = problem = None
    if args.ticket is not None:
        ticket = tickets_visible_to(actor).filter(pk=args.ticket).first()
        if ticket is None:
            errors["ticket"] = f"未找到工单：{args.ticket}"
    if args.problem is not None:
        problem = problems_visible_to(actor).filter(pk=args.problem).first()
        if problem is None:
            errors["problem"] = f"未找到督查问题：{args.problem}"
    return ticket, problem


def claim_prepare(
    args: ClaimIn, *, data: dict[str, Any], actor: Actor, user: User, now: dt.datetime
) -> tuple[Claim, tuple[Any, Any]]:
    """The claim's row checked against the regulation (not saved) and the ticket and
    problem it comes from; ValidationFailed names every bad field. The debtor is registered here when new (inside the caller's
    transaction)."""
    assert args.debtor is not None and args.contract is not None and args.owed is not None
    errors: dict[str, str] = {}
    creditor = _creditor(args.creditor, errors)
    ticket, problem = _linked(args, actor, errors)
    debtor = debtor_resolve(args.debtor, actor=actor, user=user, now=now, errors=errors)
    contract = args.contract
    today = now.astimezone(LOCAL_TZ).date()
    given_sme = data.get("sme")
    sme = (
        bool(given_sme)
        if isinstance(given_sme, bool)
        else bool(creditor is None or creditor.size != SizeClass.LARGE)
    )
    kind = debtor.kind if debtor is not None else (args.debtor.kind or "")
    facts = contract_facts(contract, debtor_kind=kind, sme=sme)
    errors.update(rules.check_dates(facts, today))
    due = None
    try:
        due = rules.due_date(facts)
    except rules.RuleError as exc:
        errors.setdefault(exc.field, exc.message)
    assert contract.signed_on is not None
    lpr = (
        contract.lpr if contract.lpr is not None else rules.lpr_on(contract.signed_on, lpr_table())
    )
    if (bad := rules.check_rate(contract.agreed_rate, lpr)) is not None:
        errors["contract.agreed_rate"] = bad
    assert contract.amount is not None
    if args.owed <= 0:
        errors["owed"] = "欠款金额应大于 0"
    elif args.owed > contract.amount:
        errors["owed"] = f"欠款金额不能超过合同金额 {contract.amount} 元"
    disputed = args.disputed or Decimal(0)
    if disputed > args.owed:
        errors["disputed"] = "有争议金额不能超过欠款金额"
    if debtor is not None and (
        twin := Claim.objects.filter(debtor=debtor, contract_number=contract.number).first()
    ):
        errors["contract.number"] = f"该债务人的合同 {contract.number} 已登记（{twin.number}）"
    if errors:
        raise ValidationFailed(fields=errors)
    assert debtor is not None and creditor is not None and due is not None
    complaint_on = _complaint_accepted(ticket, problem)
    clock_ = rules.complaint_clock(complaint_on, None, load_calendar()) if complaint_on else None
    return Claim(
        debtor=debtor,
        debtor_kind=debtor.kind,
        debtor_level=debtor.level,
        region_code=debtor.region.code,
        department=debtor.department,
        creditor=creditor,
        creditor_sme=sme,
        source=ClaimSource.TICKET
        if ticket is not None
        else ClaimSource.PROBLEM
        if problem is not None
        else ClaimSource.MANUAL,
        contract_number=contract.number,
        contract_kind=contract.kind or "",
        contract_amount=contract.amount,
        signed_on=contract.signed_on,
        delivered_on=contract.delivered_on,
        acceptance_days=contract.acceptance_days,
        accepted_on=contract.accepted_on,
        settlement_confirmed_on=contract.settlement_confirmed_on,
        agreed_days=contract.agreed_days,
        agreed_rate=contract.agreed_rate,
        lpr=lpr,
        back_to_back=bool(contract.back_to_back),
        non_cash_agreed=bool(contract.non_cash_agreed),
        due_on=due.on,
        due_rule=due.rule[:300],
        due_day=due.on.toordinal(),
        daily_rate=rules.daily_rate(contract.agreed_rate),
        owed=args.owed,
        disputed=disputed,
        balance=args.owed,
        state=ClaimState.REGISTERED,
        confirm_due=today + dt.timedelta(days=rules.CONFIRM_DAYS),
        complaint_accepted_on=complaint_on,
        complaint_transfer_due=clock_.transfer_due if clock_ else None,
        registered_at=now,
        created_by=user,
        updated_at=now,
    ), (ticket, problem)


def _complaint_accepted(ticket: Any, problem: Any) -> dt.date | None:
    """A complaint (a ticket, or a problem from one) was formally accepted on its day."""
    moment = ticket.created_at if ticket is not None else getattr(problem, "registered_at", None)
    return moment.astimezone(LOCAL_TZ).date() if isinstance(moment, dt.datetime) else None


def claim_create(
    *,
    user: User,
    data: dict[str, Any],
    files: Sequence[File[Any]] = (),
    idempotency_key: str = "",
) -> tuple[Claim, bool]:
    """Register a claim (state `registered`): (the claim, created). A retry under the same
    Idempotency-Key answers with the first claim and writes nothing."""
    actor = actor_of(user)
    if not may_register(actor):
        raise Forbidden("只有督查人员可以登记欠款")
    key = idempotency.checked_key(idempotency_key)
    digest = idempotency.request_digest(data, files) if key else ""
    if key and (replayed := _replayed(user, key, digest)):
        return replayed, False
    args = parse_input(ClaimIn, data)
    checked = check_uploads(list(files), field="attachments") if files else []
    try:
        with transaction.atomic():
            claim = claim_insert(args, data=data, actor=actor, user=user, files=checked)
            if key:
                claim.idempotency_key, claim.idempotency_digest = key, digest
                claim.save(update_fields=["idempotency_key", "idempotency_digest"])
    except IntegrityError:
        if key and (replayed := _replayed(user, key, digest)):
            return replayed, False
        raise
    return claim, True


def claim_insert(
    args: ClaimIn,
    *,
    data: dict[str, Any],
    actor: Actor,
    user: User,
    files: Sequence[CheckedFile] = (),
    source: str = "",
    batch: str = "",
    now: dt.datetime | None = None,
) -> Claim:
    """Check, save and ledger one claim (inside the caller's transaction)."""
    from qitong.arrears.handlers import store_files

    now = now or clock.now()
    claim, (ticket, problem) = claim_prepare(args, data=data, actor=actor, user=user, now=now)
    if source:
        claim.source = source
    claim.import_batch = batch
    claim.save()
    claim_apply({}, claim_contribution(claim))
    if ticket is not None:
        claim.tickets.add(ticket)
    if problem is not None:
        claim.problems.add(problem)
    payload: dict[str, Any] = {
        "debtor": claim.debtor.name,
        "creditor": claim.creditor.credit_code,
        "contract_number": claim.contract_number,
        "contract_amount": str(claim.contract_amount),
        "owed": str(claim.owed),
        "disputed": str(claim.disputed),
        "due_on": claim.due_on.isoformat(),
        "due_rule": claim.due_rule,
        "source": claim.source,
        **({"ticket": ticket.pk} if ticket is not None else {}),
        **({"problem": problem.pk} if problem is not None else {}),
        **({"batch": batch} if batch else {}),
        **({"note": args.note} if args.note else {}),
    }
    if files:
        payload["files"] = store_files(claim, files, user=user, now=now, kind=FileKind.CONTRACT)
    ledger_record(
        subject_type="arrears.claim",
        subject_id=claim.pk,
        action="import" if batch else "create",
        actor=user,
        to_state=claim.state,
        payload=payload,
        at=now,
        new_subject=True,
    )
    return claim


def _replayed(user: User, key: str, digest: str) -> Claim | None:
    found = Claim.objects.filter(created_by=user, idempotency_key=key).first()
    if found is not None and found.idempotency_digest != digest:
        raise idempotency.mismatch("欠款")
    return found


# --- actions ----------------------------------------------------------------------------------


def claim_act(
    *,
    pk: int,
    action: str,
    user: User,
    data: dict[str, Any] | None = None,
    files: Sequence[File[Any]] = (),
    expected_version: int | None = None,
) -> Claim:
    """A person's action on a claim (the sweep's urge: `claims_sweep`).

    NotFound outside the user's scope; Forbidden if the role may never take it; Conflict if
    the state, a guard or the version forbids it now; ValidationFailed naming each field."""
    from qitong.arrears.handlers import CLAIMS

    return take(
        CLAIMS,
        pk=pk,
        action=action,
        actor=actor_of(user),
        user=user,
        data=data,
        files=files,
        expected_version=expected_version,
    ).subject


def claims_sweep(today: dt.date | None = None, *, limit: int = 500) -> dict[str, int]:
    """督办书 for a complaint not transferred within 10 working days, or not answered by its
    result date, once per deadline; a reminder to the debtor's department for a claim not
    confirmed within 30 days (第十六条), once. Idempotent: what was done is stored."""
    from django.db.models import F, Q

    from qitong.arrears.handlers import CLAIMS
    from qitong.arrears.states import OPEN_STATES

    today = today or clock.now().astimezone(LOCAL_TZ).date()
    waiting = Claim.objects.filter(state__in=OPEN_STATES, complaint_answered_on__isnull=True)
    not_urged = Q(complaint_urged_for__isnull=True)
    late_transfer = waiting.filter(
        complaint_received_on__isnull=True,
        complaint_accepted_on__isnull=False,
        complaint_transfer_due__lt=today,
    ).filter(not_urged | ~Q(complaint_urged_for=F("complaint_transfer_due")))
    late_result = waiting.filter(
        complaint_received_on__isnull=False, complaint_result_due__lt=today
    ).filter(not_urged | ~Q(complaint_urged_for=F("complaint_result_due")))
    done = 0
    unconfirmed = Claim.objects.filter(
        state=ClaimState.REGISTERED, confirm_due__lt=today, confirm_reminded=False
    )
    reminded = 0
    for pk in unconfirmed.values_list("pk", flat=True)[:limit]:
        try:
            act(CLAIMS, pk=pk, action="remind_confirmation", actor=SYSTEM, user=None, data={})
        except DomainError:  # changed since it was selected: the next sweep sees it
            continue
        reminded += 1
    for pk in list(late_transfer.values_list("pk", flat=True)[:limit]) + list(
        late_result.values_list("pk", flat=True)[:limit]
    ):
        try:
            act(
                CLAIMS,
                pk=pk,
                action="urge",
                actor=SYSTEM,
                user=None,
                data={"note": "投诉处理已超过法定期限，系统发出督办书"},
            )
        except (Conflict, NotFound):
            continue
        done += 1
    return {"urged": done, "reminded": reminded}


def claim_get(actor: Actor, pk: int) -> Claim:
    found = (
        claims_visible_to(actor)
        .select_related("debtor", "creditor", "department", "complaint_department")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound()
    return found
