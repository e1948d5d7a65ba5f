"""Knowledge-base pages: search (every signed-in role; an enterprise searches what applies to
its region), one article (its live version, or an earlier one a ticket cites), and the
suggestions the desk sees while typing an appeal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files import File
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from qitong.accounts.actor import actor_of
from qitong.accounts.models import User
from qitong.accounts.requests import user_of
from qitong.accounts.roles import DESK_ROLES, Role
from qitong.core.access import role_required
from qitong.core.bounds import whole_number
from qitong.core.errors import DomainError, NotFound, ValidationFailed
from qitong.directory.excel.workbook import ExcelImportFailed, check_upload
from qitong.directory.models import Region
from qitong.enterprises.selectors import enterprises_visible_to
from qitong.knowledge.excel import export_articles, export_queryset, import_articles
from qitong.knowledge.forms import ArticleForm
from qitong.knowledge.models import Article, ArticleFile, ArticleState, ArticleVersion, Feedback
from qitong.knowledge.search import region_scope, search_articles
from qitong.knowledge.selectors import article_get, may_edit, version_get
from qitong.knowledge.services import (
    article_act,
    article_attach,
    article_create,
    article_detach,
    article_update,
    feedback_give,
)
from qitong.knowledge.transitions import ARTICLE, allowed_actions
from qitong.workflow.inputs import widgets

SUGGESTIONS = 5
MAX_QUERY = 300


def _own_region(user: User) -> str | None:
    if user.role == Role.ENTERPRISE and user.enterprise is not None:
        return user.enterprise.region.code
    return None


@login_required
def search(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    q = request.GET.get("q", "").strip()[:MAX_QUERY]
    region = _own_region(user) or request.GET.get("region", "").strip() or None
    if region and not region_scope(region):
        region = None
    hits = search_articles(q, region_code=region, limit=20) if q else []
    regions = Region.objects.filter(level__in=["province", "city"]).order_by("sort_order", "code")
    context: dict[str, Any] = {
        "q": q,
        "hits": hits,
        "region": region,
        "region_locked": user.role == Role.ENTERPRISE,
        "regions": regions,
        "region_names": dict(Region.objects.values_list("code", "name")),
    }
    template = (
        "knowledge/_results.html" if request.headers.get("HX-Request") else "knowledge/search.html"
    )
    return render(request, template, context)


@login_required
def article(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    actor = actor_of(user)
    try:
        item = article_get(actor=actor, pk=pk)
        number = request.GET.get("version", "")
        version: ArticleVersion | None
        wanted = whole_number(number)
        if wanted is not None:
            version = version_get(actor=actor, article=item, number=wanted)
        else:
            version = item.live
    except NotFound:
        raise Http404("out of scope") from None
    return render(
        request,
        "knowledge/article.html",
        {
            "article": item,
            "version": version,
            "is_live": version is not None and version.pk == item.live_id,
            "editable": may_edit(actor, item),
            # Exactly what the machine allows this reader now (knowledge.transitions).
            "actions": [ARTICLE[name] for name in allowed_actions(item, actor)],
            "version_files": ArticleFile.objects.filter(
                article=item, pk__in=version.file_ids if version else []
            ).order_by("pk"),
            "draft_files": item.files.filter(removed_at__isnull=True).order_by("pk")
            if may_edit(actor, item)
            else [],
            "versions": item.versions.order_by("-number") if may_edit(actor, item) else [],
            "my_feedback": Feedback.objects.filter(version=item.live_id, user=user).first()
            if item.live_id
            else None,
            "votes": _votes(item.live_id) if may_edit(actor, item) and item.live_id else None,
        },
    )


def _votes(version_id: int) -> dict[str, int]:
    rows = Feedback.objects.filter(version_id=version_id).values_list("helpful", flat=True)
    helpful = sum(1 for h in rows if h)
    return {"helpful": helpful, "unhelpful": len(rows) - helpful}


@role_required(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest) -> HttpResponse:
    """Articles for the appeal being typed at the desk, scoped to the caller's region. The
    intake form POSTs (an appeal of a few hundred 汉字 overflowed a GET URL: 414)."""
    user = user_of(request)
    data = request.POST if request.method == "POST" else request.GET
    text = data.get("content", "").strip()[:MAX_QUERY]
    code = data.get("credit_code", "").strip().upper()
    region = None
    if code:
        enterprise = (
            enterprises_visible_to(user).filter(credit_code=code).select_related("region").first()
        )
        region = enterprise.region.code if enterprise else None
    hits = search_articles(text, region_code=region, limit=SUGGESTIONS) if len(text) >= 2 else []
    return render(request, "knowledge/_suggestions.html", {"hits": hits, "content": text})


@login_required
@require_POST
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    try:
        feedback_give(user=user, article_id=pk, helpful=request.POST.get("helpful") == "1")
    except NotFound:
        raise Http404("out of scope") from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "感谢您的反馈")
    return redirect("knowledge:article", pk)


EDITORS = (Role.HANDLER, Role.DEPT_LEADER, Role.ADMIN)


@role_required(*EDITORS)
def mine(request: HttpRequest) -> HttpResponse:
    """The department's own articles in every state (an administrator sees all)."""
    user = user_of(request)
    qs = Article.objects.select_related("live", "department", "region").order_by("-updated_at")
    if user.role != Role.ADMIN:
        qs = qs.filter(department_id=user.department_id or 0)
    state = request.GET.get("state", "")
    if state in ArticleState.values:
        qs = qs.filter(state=state)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            export_articles(export_queryset(qs)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="knowledge.xlsx"'
        return response
    return render(
        request,
        "knowledge/mine.html",
        {"articles": qs[:200], "total": qs.count(), "state": state, "states": ArticleState.choices},
    )


@role_required(*EDITORS)
@require_POST
def import_file(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要导入的 Excel 文件")
        return redirect("knowledge:mine")
    try:
        check_upload(upload.name or "", upload.size or 0)
        result = import_articles(upload.read(), user=user_of(request))
    except ExcelImportFailed as exc:
        messages.error(request, exc.message + "：" + "；".join(exc.problems[:20]))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"导入完成：{result.summary()}")
    return redirect("knowledge:mine")


@role_required(*EDITORS)
def edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = user_of(request)
    actor = actor_of(user)
    article = None
    if pk is not None:
        try:
            article = article_get(actor=actor, pk=pk)
        except NotFound:
            raise Http404("out of scope") from None
        if not may_edit(actor, article):
            raise Http404("out of scope")
    if request.method != "POST":
        form = ArticleForm.for_article(article) if article else ArticleForm()
        return render(request, "knowledge/edit.html", {"form": form, "article": article})
    form = ArticleForm(request.POST)
    try:
        if article is None:
            article = article_create(data=form.article_input(), user=user)
            messages.success(request, "已保存为草稿")
        else:
            article = article_update(pk=article.pk, data=form.article_input(), user=user)
            messages.success(request, "已保存修改" + ("，发布后生效" if article.live else ""))
    except (ValidationFailed, DomainError) as exc:
        form.apply_errors(exc)
        return render(
            request, "knowledge/edit.html", {"form": form, "article": article}, status=400
        )
    return redirect("knowledge:article", article.pk)


DONE = {
    "submit": "已提交审核，待部门领导发布",
    "publish": "已发布，检索和推荐即时生效",
    "withdraw": "已撤回，不再出现在检索中",
}


@role_required(*EDITORS)
@require_POST
def transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action of the article machine from its page (editing has its own form)."""
    found = ARTICLE.get(action)
    if found is None or action == "update":
        raise Http404("unknown action")
    data = {name: request.POST.get(name, "") for name in widgets(found.input)}
    try:
        article_act(pk=pk, action=action, user=user_of(request), data=data)
    except NotFound:
        raise Http404("out of scope") from None
    except DomainError as exc:
        messages.error(request, exc.message if not exc.fields else "；".join(exc.fields.values()))
    else:
        messages.success(request, DONE.get(action, f"已{found.label}"))
    return redirect("knowledge:article", pk)


@role_required(*EDITORS)
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        uploads: list[File[Any]] = list(request.FILES.getlist("files"))
        stored = article_attach(pk=pk, user=user_of(request), files=uploads)
    except NotFound:
        raise Http404("out of scope") from None
    except DomainError as exc:
        messages.error(request, "；".join(exc.fields.values()) if exc.fields else exc.message)
    else:
        messages.success(request, f"已上传 {len(stored)} 个附件，发布后随新版本生效")
    return redirect("knowledge:article", pk)


@role_required(*EDITORS)
@require_POST
def detach(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    try:
        article_detach(pk=pk, user=user_of(request), file_id=file_id)
    except NotFound:
        raise Http404("out of scope") from None
    messages.success(request, "已从工作稿移出该附件，发布后生效（已发布的版本仍保留）")
    return redirect("knowledge:article", pk)


@login_required
def download(request: HttpRequest, pk: int, file_id: int) -> FileResponse:
    """A file of a version the reader may read; the working copy's files only for editors."""
    actor = actor_of(user_of(request))
    try:
        article = article_get(actor=actor, pk=pk)
    except NotFound:
        raise Http404("out of scope") from None
    row = article.files.filter(pk=file_id).first()
    published = any(
        file_id in (ids or []) for ids in article.versions.values_list("file_ids", flat=True)
    )
    if row is None or not (published or may_edit(actor, article)):
        raise Http404("out of scope")
    return row.download()
