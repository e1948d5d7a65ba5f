"""The knowledge base through its services, search and API: lifecycle on the ledger, versions,
scoped reads, Chinese full-text search with region scope and validity, on both databases."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from qitong.accounts.roles import Role
from qitong.core import clock
from qitong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from qitong.core.workdays import LOCAL_TZ
from qitong.knowledge.models import Article, ArticleVersion
from qitong.knowledge.search import rebuild_index, region_scope, search_articles
from qitong.knowledge.services import (
    ArticleInput,
    article_create,
    article_publish,
    article_submit,
    article_update,
    article_withdraw,
)
from qitong.ledger.services import events_for, ledger_verify
from tests import factories
from tests.factories import World

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=LOCAL_TZ)

SMALL_BUSINESS = ArticleInput(
    title="小型微利企业所得税优惠政策如何享受？",
    body="<p>对小型微利企业年应纳税所得额不超过300万元的部分，减按25%计入应纳税所得额，"
    "按20%的税率缴纳企业所得税。</p><p>符合条件的企业在电子税务局预缴申报时自行享受，无需备案。</p>",
    kind="qa",
    effective_from="2023-01-01",
    keywords="小微企业 所得税 减免",
    domain="tax",
)
HIRING = ArticleInput(
    title="吸纳高校毕业生就业的一次性扩岗补助",
    body="<p>企业招用毕业年度高校毕业生，签订劳动合同并参加失业保险满3个月的，按每人1500元发放一次性扩岗补助。</p>",
    kind="policy",
    effective_from="2024-01-01",
    keywords="扩岗补助 高校毕业生 招用",
)


@pytest.fixture
def leader(world: World) -> Any:
    return world.users["dept_leader"]


def published(world: World, data: ArticleInput, **changes: Any) -> Article:
    for name, value in changes.items():
        data = ArticleInput(**{**data.__dict__, name: value})
    article = article_create(data=data, user=world.users["handler"])
    return article_publish(pk=article.pk, user=world.users["dept_leader"])


def test_lifecycle_draft_review_publish_new_version_withdraw(world: World) -> None:
    handler, leader = world.users["handler"], world.users["dept_leader"]
    with clock.frozen(NOW):
        article = article_create(data=SMALL_BUSINESS, user=handler)
        assert article.state == "draft" and article.department == world.dept
        assert search_articles("小微企业所得税") == []  # a draft is not searchable
        with pytest.raises(Forbidden):
            article_publish(pk=article.pk, user=handler)  # a handler drafts, the leader publishes
        article = article_submit(pk=article.pk, user=handler)
        assert article.state == "in_review"
        with pytest.raises(Conflict):
            article_update(pk=article.pk, data=SMALL_BUSINESS, user=handler)
        article = article_publish(pk=article.pk, user=leader)
        assert article.state == "published" and article.live is not None
        first = article.live
        assert [h.article_id for h in search_articles("小微企业所得税")] == [article.pk]

        changed = ArticleInput(
            **{**SMALL_BUSINESS.__dict__, "title": "小型微利企业所得税优惠（2027 年版）"}
        )
        article = article_update(pk=article.pk, data=changed, user=handler)
        assert article.state == "published"  # the live version still answers meanwhile
        assert search_articles("小微企业所得税")[0].version == 1
        article = article_publish(pk=article.pk, user=leader)
        hits = search_articles("小微企业所得税")
        assert [(h.article_id, h.version) for h in hits] == [(article.pk, 2)]
        first.refresh_from_db()
        assert not first.is_live and first.title.startswith("小型微利企业所得税优惠政策")  # kept

        with pytest.raises(ValidationFailed):
            article_withdraw(pk=article.pk, user=leader, reason=" ")
        article = article_withdraw(pk=article.pk, user=leader, reason="政策到期")
        assert article.state == "withdrawn" and search_articles("小微企业所得税") == []
    actions = [e.action for e in events_for("knowledge.article", article.pk)]
    assert actions == ["create", "submit", "publish", "update", "publish", "withdraw"]
    assert ledger_verify().broken is None


def test_validation_names_every_field_and_cleans_html(world: World) -> None:
    with pytest.raises(ValidationFailed) as bad:
        article_create(
            data=ArticleInput(
                title="",
                body="<script>alert(1)</script>",
                kind="faq",
                effective_from="2024-13-01",
                region="999999",
                domain="nope",
            ),
            user=world.users["handler"],
        )
    assert set(bad.value.fields) == {"title", "body", "kind", "effective_from", "region", "domain"}
    article = article_create(
        data=ArticleInput(
            **{
                **SMALL_BUSINESS.__dict__,
                "body": '<p onclick="x()">正文<script>bad()</script><a href="javascript:x">链接</a></p>',
            }
        ),
        user=world.users["handler"],
    )
    assert article.body == "<p>正文链接</p>"
    assert Article.objects.count() == 1


def test_only_the_owning_department_edits_and_sees_drafts(world: World) -> None:
    other = factories.department("呼和浩特市税务局", world.hohhot)
    stranger = factories.user("tax_handler", Role.HANDLER, department=other)
    article = article_create(data=SMALL_BUSINESS, user=world.users["handler"])
    with pytest.raises(NotFound):
        article_submit(pk=article.pk, user=stranger)
    with pytest.raises(Forbidden):
        article_create(data=SMALL_BUSINESS, user=world.users["operator"])
    for role in ("operator", "enterprise"):
        client = Client()
        client.force_login(world.users[role])
        assert client.get(f"/api/v1/knowledge/articles/{article.pk}").status_code == 404
    client = Client()
    client.force_login(world.users["handler"])
    body = client.get(f"/api/v1/knowledge/articles/{article.pk}").json()
    assert body["state"] == "draft" and body["live"] is None and body["draft"]["title"]


def test_search_ranks_and_filters_by_region_and_validity(world: World) -> None:
    with clock.frozen(NOW):
        tax = published(world, SMALL_BUSINESS)
        hiring = published(world, HIRING)
        baotou = published(world, HIRING, title="包头市吸纳高校毕业生就业补贴", region="150200")
        expired = published(
            world,
            SMALL_BUSINESS,
            title="小型微利企业所得税旧政策",
            expires_on="2025-12-31",
            effective_from="2022-01-01",
        )
        future = published(
            world, HIRING, title="高校毕业生见习补贴（明年起）", effective_from="2027-01-01"
        )
        ids = [h.article_id for h in search_articles("招了大学生有没有补贴", region_code="150102")]
        assert ids[0] == hiring.pk and baotou.pk not in ids and future.pk not in ids
        in_baotou = [h.article_id for h in search_articles("大学生补贴", region_code="150203")]
        assert set(in_baotou) == {hiring.pk, baotou.pk}
        anywhere = [h.article_id for h in search_articles("所得税")]
        assert anywhere == [tax.pk] and expired.pk not in anywhere
        last_year = {h.article_id for h in search_articles("所得税", on=dt.date(2025, 6, 1))}
        assert last_year == {tax.pk, expired.pk}  # valid then
        hit = search_articles("小微企业所得税")[0]
        assert "<mark>" in hit.snippet and "<script" not in hit.snippet
        assert search_articles("的 吗 呢") == [] and search_articles("") == []
        assert search_articles("所得税", region_code="bad") == []


def test_rebuild_index_gives_the_same_results(world: World) -> None:
    with clock.frozen(NOW):
        published(world, SMALL_BUSINESS)
        published(world, HIRING)
        before = [(h.article_id, h.score) for h in search_articles("补助 所得税")]
        rebuild_index()
        after = [(h.article_id, h.score) for h in search_articles("补助 所得税")]
    assert before == after and len(before) == 2


def test_region_scope() -> None:
    assert region_scope("150203") == ["150000", "150200", "150203"]
    assert region_scope("150000") == ["150000"]
    assert region_scope("15") == []


def test_api_search_create_publish(world: World) -> None:
    leader = Client()
    leader.force_login(world.users["dept_leader"])
    created = leader.post(
        "/api/v1/knowledge/articles",
        {**SMALL_BUSINESS.__dict__},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    bad = leader.post(
        "/api/v1/knowledge/articles",
        {"title": "", "body": "", "kind": "qa", "effective_from": ""},
        content_type="application/json",
    )
    assert bad.status_code == 422 and {"title", "body", "effective_from"} <= set(
        bad.json()["fields"]
    )
    with clock.frozen(NOW):
        published_ = leader.post(f"/api/v1/knowledge/articles/{pk}/publish")
        assert published_.status_code == 200 and published_.json()["live"]["number"] == 1
        again = leader.post(f"/api/v1/knowledge/articles/{pk}/submit")
        assert again.status_code == 409
        enterprise = Client()
        enterprise.force_login(world.users["enterprise"])
        hits = enterprise.get(
            "/api/v1/knowledge/articles", {"q": "小微企业 所得税 怎么享受"}
        ).json()
    assert hits[0]["id"] == pk and hits[0]["version"] == 1 and "<mark>" in hits[0]["snippet"]
    assert enterprise.get(f"/api/v1/knowledge/articles/{pk}").json()["draft"] is None
    assert enterprise.get(f"/api/v1/knowledge/articles/{pk}/versions/1").status_code == 200
    assert enterprise.get(f"/api/v1/knowledge/articles/{pk}/versions/9").status_code == 404
    assert enterprise.get("/api/v1/knowledge/articles", {"region": "15"}).status_code == 422
    assert ArticleVersion.objects.count() == 1


def test_answer_cites_the_live_version_and_keeps_it_after_a_new_one(world: World) -> None:
    from tests.ticket_factories import act, file_by_phone

    with clock.frozen(NOW):
        article = published(world, SMALL_BUSINESS)
        ticket = file_by_phone(world, content="我们是小微企业，企业所得税有什么优惠？")
        with pytest.raises(ValidationFailed) as unknown:
            act(world, ticket, "answer", "operator", answer="见知识", articles=[999999])
        assert set(unknown.value.fields) == {"articles.0"}
        ticket = act(
            world,
            ticket,
            "answer",
            "operator",
            answer="可按小型微利企业政策减按 25% 计入应纳税所得额。",
            articles=[article.pk, str(article.pk)],
        )
        assert ticket.first_contact_resolution and ticket.state == "awaiting_callback"
        cited = list(ticket.citations.values_list("version__number", flat=True))
        assert cited == [1]
        last = list(events_for("tickets.ticket", ticket.pk))[-1]
        assert last.payload["articles"][0]["id"] == article.pk
        article_update(
            pk=article.pk,
            data=ArticleInput(**{**SMALL_BUSINESS.__dict__, "title": "小微企业所得税（新版）"}),
            user=world.users["handler"],
        )
        article_publish(pk=article.pk, user=world.users["dept_leader"])
    enterprise = Client()
    enterprise.force_login(world.users["enterprise"])
    detail = enterprise.get(f"/api/v1/tickets/{ticket.pk}").json()
    assert [(a["id"], a["version"]) for a in detail["articles"]] == [(article.pk, 1)]
    old = enterprise.get(detail["articles"][0]["url"])
    assert old.status_code == 200 and "小型微利企业所得税优惠政策如何享受" in old.content.decode()


def test_the_answer_form_suggests_articles_for_the_appeal(world: World) -> None:
    from tests.ticket_factories import file_by_phone

    with clock.frozen(NOW):
        article = published(world, SMALL_BUSINESS)
        published(world, HIRING)
        ticket = file_by_phone(world, content="小微企业的所得税优惠怎么享受？")
    client = Client()
    client.force_login(world.users["operator"])
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    # The page does not wait for the search: the form loads its suggestions when opened.
    suggest_url = f"/tickets/{ticket.pk}/suggestions/answer/"
    assert f'hx-get="{suggest_url}"' in page and "用此知识答复" not in page
    fragment = client.get(suggest_url).content.decode()
    assert "知识库推荐" in fragment and "用此知识答复" in fragment
    assert f'name="answer-articles" value="{article.pk}"' in fragment
    assert 'data-kb-fill="id_answer-answer"' in fragment
    other = Client()
    other.force_login(world.users["enterprise"])
    assert other.get(suggest_url).status_code == 404
    response = client.post(
        f"/tickets/{ticket.pk}/act/answer/",
        {
            "answer-answer": "按小型微利企业政策享受。",
            "answer-articles": [str(article.pk)],
            "answer-version": str(ticket.version),
        },
    )
    assert response.status_code == 302
    assert ticket.citations.count() == 1


def test_desk_suggestions_while_typing_are_scoped_to_the_callers_region(world: World) -> None:
    with clock.frozen(NOW):
        published(world, HIRING)
        baotou = published(world, HIRING, title="包头市吸纳高校毕业生就业补贴", region="150200")
    client = Client()
    client.force_login(world.users["operator"])
    page = client.get(
        "/knowledge/suggest/",
        {"content": "招了大学生有补贴吗", "credit_code": world.ent.credit_code},
    ).content.decode()
    assert "一次性扩岗补助" in page and baotou.title not in page
    assert client.get("/knowledge/suggest/", {"content": "的"}).content.decode().strip() == ""
    handler = Client()
    handler.force_login(world.users["handler"])
    assert handler.get("/knowledge/suggest/", {"content": "补贴"}).status_code == 404
    # The intake form posts: a long appeal (here ~2,000 汉字) fits, as no GET URL would.
    long_appeal = "招了大学生有补贴吗" + "企业经营中遇到的情况说明" * 160
    posted = client.post(
        "/knowledge/suggest/", {"content": long_appeal, "credit_code": world.ent.credit_code}
    )
    assert posted.status_code == 200 and "一次性扩岗补助" in posted.content.decode()
    from qitong.tickets.forms import IntakeForm

    assert 'hx-post="/knowledge/suggest/"' in str(IntakeForm()["content"])


def test_search_page_for_an_enterprise_uses_its_region(world: World) -> None:
    with clock.frozen(NOW):
        published(world, HIRING)
        baotou = published(world, HIRING, title="包头市吸纳高校毕业生就业补贴", region="150200")
    client = Client()
    client.force_login(world.users["enterprise"])  # a Hohhot enterprise
    page = client.get("/knowledge/", {"q": "高校毕业生补贴", "region": "150200"}).content.decode()
    assert "一次性扩岗补助" in page and baotou.title not in page and "<mark>" in page
    article = client.get(f"/knowledge/{baotou.pk}/")
    assert article.status_code == 200  # published policy is readable, only not suggested


def test_gaps_from_answers_without_a_fitting_article_per_department(world: World) -> None:
    from qitong.accounts.actor import actor_of
    from qitong.dashboards.gaps import gaps_report
    from qitong.tickets.models import Gap
    from tests.ticket_factories import act, file_by_phone

    with clock.frozen(NOW):
        article = published(world, SMALL_BUSINESS)  # world.dept maintains the tax domain
        plain = file_by_phone(world, content="研发费用加计扣除比例是多少？")
        act(world, plain, "answer", "operator", answer="按 100% 加计扣除。")  # no citation
        flagged = file_by_phone(world, content="出口退税多久到账？")
        act(world, flagged, "answer", "operator", answer="一般 3 个工作日。", no_article=True)
        cited = file_by_phone(world, content="小微企业所得税优惠？")
        act(world, cited, "answer", "operator", answer="见知识。", articles=[article.pk])
        both = file_by_phone(world, content="又引用又说没有")
        with pytest.raises(ValidationFailed) as contradiction:
            act(
                world,
                both,
                "answer",
                "operator",
                answer="x",
                articles=[article.pk],
                no_article=True,
            )
        assert set(contradiction.value.fields) == {"no_article"}
        with pytest.raises(ValidationFailed) as not_a_bool:
            act(world, both, "answer", "operator", answer="x", no_article="yes")
        assert set(not_a_bool.value.fields) == {"no_article"}
        assert Gap.objects.count() == 2 and Gap.objects.filter(flagged=True).count() == 1
        report = gaps_report(
            actor=actor_of(world.users["desk_lead"]), since=NOW - dt.timedelta(days=90)
        )
    assert [g.department for g in report] == [world.dept.name]
    [topic] = report[0].topics
    assert (topic.domain, topic.category, topic.count, topic.flagged) == ("tax", "tax.policy", 2, 1)
    other = factories.department("呼和浩特市人社局", world.hohhot)
    stranger = factories.user("hr", Role.HANDLER, department=other)
    from qitong.accounts.actor import actor_of as a

    assert gaps_report(actor=a(stranger), since=NOW - dt.timedelta(days=90)) == []
    client = Client()
    client.force_login(world.users["handler"])
    page = client.get("/knowledge/gaps/").content.decode()
    assert "知识缺口" in page and "税收优惠政策" in page
    enterprise = Client()
    enterprise.force_login(world.users["enterprise"])
    assert enterprise.get("/knowledge/gaps/").status_code == 404


def test_feedback_helpful_or_not_once_per_reader(world: World) -> None:
    from qitong.accounts.actor import actor_of
    from qitong.knowledge.models import Feedback
    from qitong.knowledge.selectors import unhelpful_articles

    with clock.frozen(NOW):
        article = published(world, SMALL_BUSINESS)
    for role, helpful in (
        ("enterprise", "0"),
        ("operator", "0"),
        ("operator", "1"),
        ("desk_lead", "0"),
    ):
        client = Client()
        client.force_login(world.users[role])
        assert (
            client.post(f"/knowledge/{article.pk}/feedback/", {"helpful": helpful}).status_code
            == 302
        )
    assert Feedback.objects.count() == 3  # the operator changed their mind
    [row] = unhelpful_articles(actor=actor_of(world.users["handler"]))
    assert (row.article_id, row.helpful, row.unhelpful) == (article.pk, 1, 2)
    owner = Client()
    owner.force_login(world.users["handler"])
    assert "有帮助 1 · 没帮助 2" in owner.get(f"/knowledge/{article.pk}/").content.decode()
    assert [e.action for e in events_for("knowledge.article", article.pk)].count("feedback") == 4


def test_department_pages_draft_submit_publish_edit_withdraw(world: World) -> None:
    handler = Client()
    handler.force_login(world.users["handler"])
    leader = Client()
    leader.force_login(world.users["dept_leader"])
    assert handler.get("/knowledge/new/").status_code == 200
    bad = handler.post("/knowledge/new/", {"title": "", "kind": "qa", "region": "150000"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "请填写标题" in page and "请填写正文" in page and "请填写生效日期" in page
    assert Article.objects.count() == 0
    made = handler.post(
        "/knowledge/new/",
        {
            "title": "个体工商户简易注销怎么办？",
            "kind": "qa",
            "region": "150000",
            "domain": "tax",
            "effective_from": "2024-01-01",
            "keywords": "个体户 注销",
            "body": "<p>在内蒙古政务服务网申请简易注销，公示 20 日。</p><script>x</script>",
        },
    )
    article = Article.objects.get()
    assert made.status_code == 302 and article.state == "draft" and "<script" not in article.body
    mine = handler.get("/knowledge/mine/").content.decode()
    assert "个体工商户简易注销怎么办" in mine and "草稿" in mine
    detail = handler.get(f"/knowledge/{article.pk}/").content.decode()
    assert "提交审核" in detail and "发布" not in detail.split("维护信息")[1].split("提交审核")[0]
    assert handler.post(f"/knowledge/{article.pk}/publish/").status_code == 302
    article.refresh_from_db()
    assert article.state == "draft"  # a handler may not publish (the page said so)
    handler.post(f"/knowledge/{article.pk}/submit/")
    leader.post(f"/knowledge/{article.pk}/publish/")
    article.refresh_from_db()
    assert article.state == "published" and article.live is not None
    assert [h.article_id for h in search_articles("个体户注销")] == [article.pk]
    edited = handler.post(
        f"/knowledge/{article.pk}/edit/",
        {
            "title": "个体工商户简易注销办理指南",
            "kind": "qa",
            "region": "150000",
            "effective_from": "2024-01-01",
            "body": "<p>新版正文。</p>",
        },
    )
    assert edited.status_code == 302
    assert (
        search_articles("个体户注销")[0].title == "个体工商户简易注销怎么办？"
    )  # live until republished
    assert "有未发布的修改" in handler.get(f"/knowledge/{article.pk}/").content.decode()
    leader.post(f"/knowledge/{article.pk}/publish/")
    assert search_articles("个体户注销")[0].version == 2
    assert "有未发布的修改" not in handler.get(f"/knowledge/{article.pk}/").content.decode()
    # The leader's page offers exactly what the machine allows: edit, a new version, withdraw.
    page = leader.get(f"/knowledge/{article.pk}/")
    assert page.status_code == 200
    manage = page.content.decode().split("kb-manage")[1]
    assert "发布新版本" in manage and "撤回" in manage and "提交审核" not in manage
    assert "撤回后不再出现在检索中" in manage
    assert leader.post(f"/knowledge/{article.pk}/withdraw/", {"reason": ""}).status_code == 302
    article.refresh_from_db()
    assert article.state == "published"  # a reason is required
    leader.post(f"/knowledge/{article.pk}/withdraw/", {"reason": "政策调整"})
    article.refresh_from_db()
    assert article.state == "withdrawn" and search_articles("个体户注销") == []
    xlsx = handler.get("/knowledge/mine/", {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    other = factories.department("呼和浩特市税务局", world.hohhot)
    stranger = Client()
    stranger.force_login(factories.user("tax", Role.HANDLER, department=other))
    assert stranger.get(f"/knowledge/{article.pk}/edit/").status_code == 404
    operator = Client()
    operator.force_login(world.users["operator"])
    assert operator.get("/knowledge/mine/").status_code == 404


def test_article_files_go_out_with_the_version_and_stay_on_it(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    handler = Client()
    handler.force_login(world.users["handler"])
    leader = Client()
    leader.force_login(world.users["dept_leader"])
    with clock.frozen(NOW):
        article = article_create(data=SMALL_BUSINESS, user=world.users["handler"])
    bad = handler.post(
        f"/knowledge/{article.pk}/files/",
        {"files": [SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00 not a pdf")]},
    )
    assert bad.status_code == 302 and not article.files.exists()
    handler.post(
        f"/knowledge/{article.pk}/files/",
        {"files": [SimpleUploadedFile("申报表.pdf", pdf, content_type="application/pdf")]},
    )
    [row] = article.files.all()
    assert row.original_name == "申报表.pdf" and not row.file.name.endswith("申报表.pdf")
    enterprise = Client()
    enterprise.force_login(world.users["enterprise"])
    download = f"/knowledge/{article.pk}/files/{row.pk}/"
    leader.post(f"/knowledge/{article.pk}/publish/")  # version 1 with the file
    got = enterprise.get(download)
    assert got.status_code == 200 and b"".join(got.streaming_content) == pdf
    handler.post(f"/knowledge/{article.pk}/files/{row.pk}/remove/")
    leader.post(f"/knowledge/{article.pk}/publish/")  # version 2 without it
    assert enterprise.get(download).status_code == 200  # still on version 1
    v1 = enterprise.get(f"/knowledge/{article.pk}/?version=1").content.decode()
    v2 = enterprise.get(f"/knowledge/{article.pk}/").content.decode()
    assert "申报表.pdf" in v1 and "申报表.pdf" not in v2
    draft = article_create(data=HIRING, user=world.users["handler"])
    handler.post(
        f"/knowledge/{draft.pk}/files/",
        {"files": [SimpleUploadedFile("草稿.pdf", pdf, content_type="application/pdf")]},
    )
    unpublished = draft.files.get()
    assert enterprise.get(f"/knowledge/{draft.pk}/files/{unpublished.pk}/").status_code == 404
    actions = [e.action for e in events_for("knowledge.article", article.pk)]
    assert "attach" in actions and "detach" in actions


def test_incremental_index_matches_a_rebuild_after_republish_and_withdraw(world: World) -> None:
    """PostgreSQL keeps document frequencies (TermStat) as versions come and go; they must
    equal what a rebuild from the live versions gives (on SQLite FTS5 keeps its own)."""
    from qitong.knowledge.models import TermStat

    with clock.frozen(NOW):
        first = published(world, SMALL_BUSINESS)
        second = published(world, HIRING)
        article_update(
            pk=first.pk,
            data=ArticleInput(**{**SMALL_BUSINESS.__dict__, "title": "小微企业所得税（新版）"}),
            user=world.users["handler"],
        )
        article_publish(pk=first.pk, user=world.users["dept_leader"])
        article_withdraw(pk=second.pk, user=world.users["dept_leader"], reason="到期")
    incremental = {t: df for t, df in TermStat.objects.values_list("term", "df") if df}
    rebuild_index()
    rebuilt = dict(TermStat.objects.values_list("term", "df"))
    assert incremental == rebuilt
    hits = search_articles("小微企业所得税")
    assert [(h.article_id, h.version) for h in hits] == [(first.pk, 2)]


ENCODED = "&lt;img src=x onerror=alert(1)&gt; 所得税 &lt;b&gt;优惠&lt;/b&gt; &amp;lt;script&amp;gt;"


def test_snippet_escapes_entity_encoded_markup_in_the_body() -> None:
    """An article body can carry HTML as entities; the snippet decodes them to plain text, so
    it must escape that text again. Only our <mark>s may be tags."""
    import re

    from django.utils.safestring import SafeString

    from qitong.knowledge.text import clean_html, snippet

    out = snippet(clean_html(f"<p>{ENCODED}</p>"), ["所得税", "优惠"])
    assert isinstance(out, SafeString)
    assert re.findall(r"<[^>]+>", out) == ["<mark>", "</mark>", "<mark>", "</mark>"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "<mark>所得税</mark>" in out and "&lt;b&gt;<mark>优惠</mark>&lt;/b&gt;" in out


def test_search_page_shows_entity_encoded_markup_as_text(world: World) -> None:
    with clock.frozen(NOW):
        published(world, SMALL_BUSINESS, body=f"<p>小微企业所得税 {ENCODED}</p>")
    client = Client()
    client.force_login(world.users["operator"])
    page = client.get("/knowledge/", {"q": "小微企业所得税"}).content.decode()
    assert "<mark>" in page
    assert "<img src=x" not in page and "onerror=alert(1)>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
