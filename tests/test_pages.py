"""Role home pages: each role lands on its own Chinese page inside the shared layout, nobody
else can open it, and what the pages show is counted from the data in scope."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.views.defaults import server_error

from qitong.accounts import services as account_services
from qitong.core import clock
from qitong.dashboards import selectors
from qitong.ledger.models import Event
from tests import factories
from tests.factories import PASSWORD, World

# role key in world.users → (home url name, Chinese <h1>)
HOMES = {
    "operator": ("dashboards:desk", "专席工作台"),
    "desk_lead": ("dashboards:desk", "专席工作台"),
    "handler": ("dashboards:department", "部门待办"),
    "dept_leader": ("dashboards:department", "部门待办"),
    "specialist": ("dashboards:specialist", "专员队列"),
    "enterprise": ("dashboards:enterprise", "我的诉求"),
    "supervisor": ("dashboards:supervisor", "监督总览"),
    "admin": ("dashboards:admin", "配置总览"),
    "auditor": ("dashboards:auditor", "台账审计"),
}
HOME_URL_NAMES = sorted({name for name, _ in HOMES.values()})


def signed_in(world: World, role: str) -> Client:
    client = Client()
    user = world.users[role]
    if user.is_enterprise:  # enterprises sign in by SMS code only (tests/test_login.py)
        client.force_login(user)
    else:
        assert client.login(username=user.username, password=PASSWORD)
    return client


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def assert_layout(page: str, user_display: str, role_label: str) -> None:
    assert 'class="site-header"' in page
    assert "12345 企业服务专席" in page
    assert 'aria-label="主导航"' in page
    assert f'<span class="user-box__name">{user_display}</span>' in page
    assert role_label in page
    assert f'action="{reverse("accounts:logout")}"' in page  # logout is a POST form
    assert 'class="site-footer"' in page
    assert "/static/qitong/css/app.css" in page
    assert "/static/qitong/vendor/htmx.min.js" in page
    assert "<script>" not in page and "style=" not in page  # CSP: no inline script or style


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(HOMES))
def test_role_lands_on_its_chinese_home_in_the_shared_layout(world: World, role: str) -> None:
    client = signed_in(world, role)
    user = world.users[role]
    url_name, heading = HOMES[role]

    landing = client.get(reverse("core:home"))
    assert landing.status_code == 302
    assert landing.url == reverse(url_name)

    response = client.get(reverse(url_name))
    assert response.status_code == 200
    page = html(response)
    assert f"<h1>{heading}</h1>" in page
    assert_layout(page, user.get_full_name(), user.role_label)
    # The current page's navigation item is marked, with its keyboard shortcut.
    assert re.search(r'data-shortcut="1" aria-current="page"[^>]*>' + heading, page)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(HOMES))
def test_other_roles_homes_are_404(world: World, role: str) -> None:
    client = signed_in(world, role)
    own = HOMES[role][0]
    for url_name in HOME_URL_NAMES:
        if url_name == own:
            continue
        response = client.get(reverse(url_name))
        assert response.status_code == 404, (role, url_name)
        assert "页面不存在" in html(response)
        assert 'class="site-header"' in html(response)  # the 404 page wears the same layout


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", HOME_URL_NAMES)
def test_anonymous_is_sent_to_login(client: Client, url_name: str) -> None:
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


# --- 专席工作台: caller lookup --------------------------------------------------------------


def lookup(client: Client, q: str) -> str:
    response = client.get(
        reverse("dashboards:desk"),
        {"q": q},
        headers={"HX-Request": "true", "HX-Target": "caller-results"},
    )
    assert response.status_code == 200
    page = html(response)
    assert 'class="site-header"' not in page  # htmx gets only the results fragment
    return page


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["operator", "desk_lead"])
def test_caller_lookup_finds_in_scope_enterprise(world: World, role: str) -> None:
    client = signed_in(world, role)
    by_code = lookup(client, world.ent.credit_code.lower())
    by_code_prefix = lookup(client, world.ent.credit_code[:10])
    by_name = lookup(client, "测试科技")
    by_phone = lookup(client, "+86 138-0000-0001")
    for page in (by_code, by_code_prefix, by_name, by_phone):
        assert world.ent.name in page
        assert world.ent.credit_code in page
        assert "新城区" in page and "呼和浩特市" in page  # county and its 盟市
        assert "138****0001" in page  # the contact's phone is masked ...
        assert "13800000001" not in page  # ... and never shown in full


@pytest.mark.django_db
def test_caller_lookup_never_finds_out_of_scope_enterprise(world: World) -> None:
    client = signed_in(world, "operator")
    other = world.baotou_ent
    assert "找到 1 家企业" in lookup(client, "测试")  # both names contain 测试; only Hohhot's shows
    for q in (other.credit_code, other.credit_code[:12], other.name, "钢铁", "13800000002"):
        page = lookup(client, q)
        assert other.name not in page, q
        assert other.credit_code not in page, q
        assert "管辖区域内未找到匹配的企业或工单" in page, q


@pytest.mark.django_db
def test_caller_lookup_reads_contacts_in_one_query_not_one_per_row(
    world: World, django_assert_num_queries
) -> None:
    client = signed_in(world, "operator")
    # session, user, the desk and its region (the scope), enterprises, their primary contacts;
    # the ticket search: the enterprises named by the words, the word matches, the named
    # enterprises' tickets, then the page of tickets; PostgreSQL reads the newest ticket id
    # first, to bound its word search to the newest tickets (tickets.search.WINDOWS), and the
    # word matches as a list of ids (SQLite's FTS5 match stays a subquery)
    with django_assert_num_queries(11 if connection.vendor == "postgresql" else 9) as one:
        lookup(client, "测试科技")
    for n in range(2, 7):
        factories.enterprise(
            f"呼和浩特测试科技{n}号有限公司", world.xincheng, phone=f"1390000000{n}"
        )
    with django_assert_num_queries(len(one.captured_queries)):
        page = lookup(client, "测试科技")
    assert "找到 6 家企业" in page and "139****0006" in page


@pytest.mark.django_db
def test_caller_lookup_without_javascript_renders_the_whole_page(world: World) -> None:
    client = signed_in(world, "operator")
    response = client.get(reverse("dashboards:desk"), {"q": world.ent.credit_code})
    page = html(response)
    assert "<h1>专席工作台</h1>" in page
    assert world.ent.name in page
    assert "请至少输入 2 个字符" in lookup(client, "测")


@pytest.mark.django_db
def test_desk_page_shows_desk_jurisdiction_and_empty_queues(world: World) -> None:
    factories.enterprise("呼和浩特第二测试有限公司", world.xincheng)
    page = html(signed_in(world, "operator").get(reverse("dashboards:desk")))
    assert world.desk.name in page
    assert "呼和浩特市" in page and "150100" in page
    assert re.search(r'<strong class="num">2</strong> 家', page)  # Hohhot's two, not Baotou's
    assert "暂无待受理诉求" in page and "暂无待回访工单" in page
    assert "暂无待审批申请" not in page  # approvals belong to the desk lead
    lead = html(signed_in(world, "desk_lead").get(reverse("dashboards:desk")))
    assert "暂无待审批申请" in lead and "暂无待审核答复" in lead


# --- other homes --------------------------------------------------------------------------


@pytest.mark.django_db
def test_department_page_has_its_tabs_and_empty_states(world: World) -> None:
    client = signed_in(world, "handler")
    page = html(client.get(reverse("dashboards:department")))
    assert world.dept.name in page and "呼和浩特市" in page
    for label in ("待签收", "办理中", "即将到期", "已超期", "退回给我"):  # each with its count
        assert re.search(rf'>{label} <span class="count"[^>]*>0</span></a>', page), label
    assert "暂无待签收工单" in page
    assert re.search(r'<strong class="num">2</strong> 人', page)  # handler and leader
    tab = client.get(
        reverse("dashboards:department"),
        {"tab": "overdue"},
        headers={"HX-Request": "true", "HX-Target": "dept-inbox"},
    )
    assert "暂无已超期工单" in html(tab) and 'class="site-header"' not in html(tab)
    assert re.search(r'href="\?tab=overdue"[^>]*aria-current="true"', html(tab))
    unknown = client.get(reverse("dashboards:department"), {"tab": "nonsense"})
    assert "暂无待签收工单" in html(unknown)


@pytest.mark.django_db
def test_specialist_page_shows_the_profile(world: World) -> None:
    world.specialist.languages = ["zh", "mn"]
    world.specialist.capacity = 7
    world.specialist.on_duty = False
    world.specialist.save()
    page = html(signed_in(world, "specialist").get(reverse("dashboards:specialist")))
    assert world.specialist.name in page and world.dept.name in page
    assert "税费" in page and "汉语" in page and "蒙古语" in page
    assert "不在岗" in page and "7 件" in page
    assert "暂无待接受的邀请" in page and "暂无正在答复的咨询" in page
    assert "上岗" in page  # off duty: the button signs on


@pytest.mark.django_db
def test_specialist_signs_off_and_on_duty_on_the_ledger(world: World) -> None:
    from qitong.ledger.services import events_for

    client = signed_in(world, "specialist")
    response = client.post(reverse("dashboards:specialist_duty"), {"on_duty": "0"})
    assert response.status_code == 302
    world.specialist.refresh_from_db()
    assert not world.specialist.on_duty
    client.post(reverse("dashboards:specialist_duty"), {"on_duty": "1"})
    world.specialist.refresh_from_db()
    assert world.specialist.on_duty
    actions = [e.action for e in events_for("directory.specialist", world.specialist.pk)]
    assert actions[-2:] == ["duty_off", "duty_on"]
    assert (
        signed_in(world, "operator").post(reverse("dashboards:specialist_duty")).status_code == 404
    )


@pytest.mark.django_db
def test_enterprise_page_shows_its_own_enterprise_only(world: World) -> None:
    page = html(signed_in(world, "enterprise").get(reverse("dashboards:enterprise")))
    assert world.ent.name in page and world.ent.credit_code in page and "新城区" in page
    assert world.baotou_ent.name not in page
    assert "暂无诉求记录" in page


def _region_units(world: World, code: str, name: str) -> None:
    city = factories.region(code, name, world.province)
    county = factories.region(code[:4] + "02", name + "某区", city)
    factories.department(name + "发展改革委", city)
    factories.desk(name + "企业服务专席", city)
    factories.enterprise(name + "测试有限公司", county)


@pytest.mark.django_db
def test_supervision_overview_counts_each_city_subtree_once(world: World) -> None:
    factories.department("内蒙古自治区市场监督管理局", world.province)
    factories.department("昆都仑区税务局", world.kundulun)
    rows = {row.label: row for row in selectors.supervision_overview(region=world.province)}
    assert list(rows) == ["内蒙古自治区本级", "呼和浩特市", "包头市"]
    as_tuple = {k: (r.departments, r.desks, r.specialists, r.enterprises) for k, r in rows.items()}
    assert as_tuple == {
        "内蒙古自治区本级": (1, 0, 0, 0),
        "呼和浩特市": (1, 1, 1, 1),
        "包头市": (2, 1, 0, 1),
    }
    only_baotou = selectors.supervision_overview(region=world.baotou)
    assert [(r.label, r.departments) for r in only_baotou] == [("包头市", 2)]


@pytest.mark.django_db
def test_supervisor_page_is_scoped_and_does_a_bounded_number_of_queries(
    world: World, django_assert_max_num_queries
) -> None:
    client = signed_in(world, "supervisor")  # scoped to 呼和浩特市
    page = html(client.get(reverse("dashboards:supervisor")))
    assert "呼和浩特市及所辖区域" in page
    assert '<th scope="row">呼和浩特市</th>' in page
    assert "包头市" not in page

    supervisor = world.users["supervisor"]
    supervisor.region = world.province
    supervisor.save()
    # the service table, and the hotline figures (dashboards.hotline): one grouped query each;
    # the 清欠进度 card reads the arrears tally (arrears.tallied: 13 queries, none per row)
    with django_assert_max_num_queries(28) as few:
        client.get(reverse("dashboards:supervisor"))
    for code, name in [("150300", "乌海市"), ("150400", "赤峰市"), ("150500", "通辽市")]:
        _region_units(world, code, name)
    with django_assert_max_num_queries(28) as more:
        page = html(client.get(reverse("dashboards:supervisor")))
    assert len(more.captured_queries) == len(few.captured_queries)  # not one query per 盟市
    assert "通辽市" in page and "合计" in page


@pytest.mark.django_db
def test_admin_page_counts_configuration(world: World) -> None:
    page = html(signed_in(world, "admin").get(reverse("dashboards:admin")))
    stats = dict(re.findall(r'stat__label">([^<]+)</h2>\s*<p class="stat__value num">(\d+)', page))
    assert stats == {
        "行政区划": "5",
        "承办单位": "2",
        "企业服务专席": "2",
        "政策专员": "1",
        "企业": "2",
        "用户": "9",
    }
    assert "盟市 2 · 旗县市区 2" in page
    assert reverse("admin:index") in page
    assert re.search(r"<th scope=\"row\">话务员</th><td>1</td>", page)


@pytest.mark.django_db
def test_auditor_page_lists_events_and_a_sound_chain(world: World) -> None:
    account_services.token_create(
        user=world.users["operator"], name="对接系统", actor=world.users["admin"]
    )
    page = html(signed_in(world, "auditor").get(reverse("dashboards:auditor")))
    count = Event.objects.count()
    assert count >= 1
    assert "台账完整" in page and f"全部 {count} 条事件" in page
    assert "创建 API 令牌" in page and "token_create" not in page  # words, not codes
    assert "admin" in page and "系统管理员" in page


@pytest.mark.django_db
def test_auditor_page_shows_latest_fifty_events_newest_first(world: World) -> None:
    start = clock.now()
    for minute in range(55):
        with clock.frozen(start + dt.timedelta(minutes=minute)):
            account_services.token_create(user=world.users["operator"], name=f"令牌{minute}")
    page = html(signed_in(world, "auditor").get(reverse("dashboards:auditor")))
    times = re.findall(r'<td class="nowrap" data-label="时间">([^<]+)</td>', page)
    assert len(times) == 50
    expected = [
        timezone.localtime(start + dt.timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M:%S")
        for minute in range(54, 4, -1)
    ]
    assert times == expected
    older = html(signed_in(world, "auditor").get(reverse("dashboards:auditor"), {"page": 2}))
    assert len(re.findall(r'data-label="时间">', older)) == 5 and "上一页" in older


@pytest.mark.django_db
def test_auditor_ledger_shows_tickets_by_number_in_words_and_filters(world: World) -> None:
    from tests.ticket_factories import ticket_in_state

    ticket = ticket_in_state(world, "dispatched")
    client = signed_in(world, "auditor")
    page = html(client.get(reverse("dashboards:auditor")))
    detail = reverse("tickets:detail", args=[ticket.pk])
    assert f'<a class="mono" href="{detail}">{ticket.number}</a>' in page
    assert "派单" in page and "→ 待签收" in page
    assert "dispatched" not in page and "工单 #" not in page
    only = html(client.get(reverse("dashboards:auditor"), {"subject": ticket.number}))
    assert len(re.findall(r'data-label="时间">', only)) == ticket_events(ticket)
    by_actor = html(client.get(reverse("dashboards:auditor"), {"action": "dispatch"}))
    assert len(re.findall(r'data-label="时间">', by_actor)) == 1
    none = html(client.get(reverse("dashboards:auditor"), {"from": "2099-01-01"}))
    assert "没有符合条件的台账事件" in none


def ticket_events(ticket) -> int:  # type: ignore[no-untyped-def]
    return Event.objects.filter(subject_type="tickets.ticket", subject_id=str(ticket.pk)).count()


@pytest.mark.django_db
def test_auditor_page_names_the_first_broken_link(world: World) -> None:
    token_owner = world.users["operator"]
    account_services.token_create(user=token_owner, name="甲")
    account_services.token_create(user=token_owner, name="乙")
    first = Event.objects.order_by("seq").first()
    assert first is not None
    with connection.cursor() as cursor:  # tamper the way an attacker with DB access would
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE ledger_event DISABLE TRIGGER ledger_event_no_update")
        else:
            cursor.execute("DROP TRIGGER ledger_event_no_update")
        cursor.execute("UPDATE ledger_event SET action = 'token_revoke' WHERE id = %s", [first.pk])
    page = html(signed_in(world, "auditor").get(reverse("dashboards:auditor")))
    assert "台账断裂" in page
    assert f"事件 #{first.pk}" in page and "内容与哈希不符" in page


# --- error pages ---------------------------------------------------------------------------


def test_server_error_page_is_chinese_and_needs_no_context() -> None:
    # Django renders 500.html with an empty context (no request, no user): it must still work.
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = html(response)
    assert "系统暂时出错" in page and 'class="site-header"' in page
    assert "退出登录" not in page


@pytest.mark.django_db
def test_csrf_failure_page_is_chinese(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"), {"username": "operator", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "页面已过期，请刷新后重新提交" in html(response)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/", "/admin/ledger/event/", "/api/v1/docs"])
def test_csp_covers_the_admin_and_the_api_docs(world: World, path: str) -> None:
    client = Client()
    client.force_login(world.users["admin"])
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    page = response.content.decode()
    assert "cdn." not in page and "https://" not in page.split("<body", 1)[0]
    if path.endswith("docs"):
        assert "/static/ninja/swagger-ui-bundle.js" in page


@pytest.mark.django_db
def test_opening_an_action_address_shows_a_chinese_page_with_a_way_back(world: World) -> None:
    from tests.ticket_factories import ticket_in_state

    ticket = ticket_in_state(world, "registered")
    client = signed_in(world, "operator")
    response = client.get(f"/tickets/{ticket.pk}/act/dispatch/")
    assert response.status_code == 405 and "POST" in response["Allow"]
    page = html(response)
    assert "请从页面上操作" in page and f'href="/tickets/{ticket.pk}/"' in page
