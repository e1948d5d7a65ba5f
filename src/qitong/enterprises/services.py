"""Enterprise writes. Every field error is collected and reported at once, naming the field."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.core.errors import Conflict, Forbidden, ValidationFailed
from qitong.directory.models import Region, RegionLevel
from qitong.enterprises.models import Contact, Enterprise, Industry, SizeClass
from qitong.enterprises.selectors import contacts_of, enterprise_get, sees_contact_numbers
from qitong.enterprises.validators import normalize_phone, validate_credit_code
from qitong.ledger.services import ledger_record, ledger_record_change, subject_key

# Who may register an enterprise: the desk (inline, while a caller waits) and administrators.
CREATOR_ROLES = frozenset({Role.OPERATOR, Role.DESK_LEAD, Role.ADMIN})


@dataclass
class ContactInput:
    name: str
    phone: str
    position: str = ""


def _check(
    credit_code: str,
    name: str,
    region_code: str,
    industry: str,
    size: str,
    address: str,
    contacts: list[ContactInput],
) -> tuple[Region | None, list[tuple[ContactInput, str, str]]]:
    errors: dict[str, str] = {}
    try:
        validate_credit_code(credit_code)
    except ValidationError as exc:
        errors["credit_code"] = exc.messages[0]
    if not name.strip():
        errors["name"] = "请填写企业名称"
    elif len(name) > 200:
        errors["name"] = "企业名称最多 200 个字"
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        errors["region"] = f"未知的行政区划代码：{region_code or '（空）'}"
    elif region.level != RegionLevel.COUNTY:
        errors["region"] = "请选择企业所在的旗县市区（第三级区划）"
    if industry not in Industry.values:
        errors["industry"] = "行业门类应为 A-T 之一（GB/T 4754）"
    if size not in SizeClass.values:
        errors["size"] = "企业规模应为 large、medium、small 或 micro"
    normalized = []
    if len(address) > 200:
        errors["address"] = "地址最多 200 个字"
    for i, contact in enumerate(contacts):
        if not contact.name.strip():
            errors[f"contacts.{i}.name"] = "请填写联系人姓名"
        elif len(contact.name.strip()) > 50:
            errors[f"contacts.{i}.name"] = "联系人姓名最多 50 个字"
        if len(contact.position.strip()) > 50:
            errors[f"contacts.{i}.position"] = "职务最多 50 个字"
        try:
            phone = normalize_phone(contact.phone)
            normalized.append((contact, phone.number, phone.kind))
        except ValidationError as exc:
            errors[f"contacts.{i}.phone"] = exc.messages[0]
    if errors:
        raise ValidationFailed(fields=errors)
    return region, normalized


def enterprise_create(
    *,
    credit_code: str,
    name: str,
    region_code: str,
    industry: str,
    size: str,
    contacts: list[ContactInput],
    actor: User | None,
    address: str = "",
) -> Enterprise:
    """Register an enterprise (the desk does it inline while a caller is on the line).

    Only desk staff and administrators register, and desk staff only inside their desk's
    jurisdiction: an enterprise they registered elsewhere would be invisible to them.
    """
    if actor is not None and actor.role not in CREATOR_ROLES:
        raise Forbidden("只有专席话务员、班长和管理员可以登记企业")
    credit_code = credit_code.strip().upper()
    region, normalized = _check(credit_code, name, region_code, industry, size, address, contacts)
    assert region is not None  # _check raised otherwise
    scope = actor.scope_region() if actor is not None else None
    if scope is not None and not scope.contains(region):
        raise ValidationFailed(fields={"region": "请选择本专席辖区内的旗县市区"})
    existing = Enterprise.objects.filter(credit_code=credit_code).first()
    if existing:
        raise Conflict(
            f"该统一社会信用代码已登记：{existing.name}",
            fields={"credit_code": "该统一社会信用代码已登记"},
        )
    try:
        with transaction.atomic():
            enterprise = Enterprise.objects.create(
                credit_code=credit_code,
                name=name.strip(),
                region=region,
                industry=industry,
                size=size,
                address=address.strip(),
            )
            for i, (contact, number, kind) in enumerate(normalized):
                Contact.objects.create(
                    enterprise=enterprise,
                    name=contact.name.strip(),
                    position=contact.position,
                    phone=number,
                    phone_kind=kind,
                    is_primary=i == 0,
                )
            ledger_record_change(
                obj=enterprise,
                action="enterprise_create",
                actor=actor,
                extra={"contacts": [n for _, n, _ in normalized]},
            )
    except IntegrityError as exc:  # a concurrent registration of the same code won the race
        raise Conflict(fields={"credit_code": "该统一社会信用代码已登记"}) from exc
    return enterprise


# Who may reveal an enterprise's whole contact numbers (to call it about a ticket or a case);
# the desk and the enterprise itself see them anyway. Administrators and auditors may not.
REVEAL_ROLES = frozenset({Role.HANDLER, Role.DEPT_LEADER, Role.SPECIALIST, Role.SUPERVISOR})


def contacts_reveal(*, user: User, enterprise_id: int, reason: str) -> list[dict[str, object]]:
    """The enterprise's contacts with whole numbers, for a role that needs them: one ledger
    event (who, when, why) per reveal. NotFound out of scope; Forbidden for other roles."""
    enterprise = enterprise_get(user=user, pk=enterprise_id)
    if sees_contact_numbers(user, enterprise):
        return contacts_of(enterprise, user)
    if user.role not in REVEAL_ROLES:
        raise Forbidden("您的角色不能查看完整的联系电话")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(fields={"reason": "请填写查看完整电话的事由（如所办工单编号）"})
    if len(reason) > 200:
        raise ValidationFailed(fields={"reason": "事由最多 200 字"})
    subject_type, subject_id = subject_key(enterprise)
    with transaction.atomic():
        ledger_record(
            subject_type=subject_type,
            subject_id=subject_id,
            action="contacts_reveal",
            actor=user,
            payload={"reason": reason},
        )
    return contacts_of(enterprise, user, revealed=True)
