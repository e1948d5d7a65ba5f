"""The knowledge base (知识库) the desk answers from.

An `Article` is the owning department's working copy with its lifecycle state; every
publication freezes an immutable `ArticleVersion` (tickets cite versions, so an answer keeps
pointing at the words it was given in). Exactly one version of a published article is live:
search reads live versions only. Region scope, domain and owner are the article's, not the
version's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from qitong.core.models import StoredFile
from qitong.directory.models import Department, PolicyDomain, Region


class ArticleKind(models.TextChoices):
    QA = "qa", "问答"
    POLICY = "policy", "政策文件"


class ArticleState(models.TextChoices):
    DRAFT = "draft", "草稿"
    IN_REVIEW = "in_review", "待审核"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"


class Article(models.Model):
    # A stable key from an import (Excel, the demo set), so a re-import updates, not duplicates.
    code = models.CharField("编号", max_length=40, unique=True, null=True, blank=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文", help_text="安全的富文本（段落、列表、加粗）")
    kind = models.CharField("类型", max_length=10, choices=ArticleKind.choices)
    keywords = models.CharField("关键词", max_length=300, blank=True, help_text="以空格分隔")
    domain = models.ForeignKey(
        PolicyDomain,
        verbose_name="政策领域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    region = models.ForeignKey(
        Region,
        verbose_name="适用范围",
        on_delete=models.PROTECT,
        related_name="articles",
        help_text="自治区（全区适用）或某个盟市、旗县",
    )
    department = models.ForeignKey(
        Department, verbose_name="维护单位", on_delete=models.PROTECT, related_name="articles"
    )
    doc_number = models.CharField("文号", max_length=100, blank=True)
    effective_from = models.DateField("生效日期")
    expires_on = models.DateField("失效日期", null=True, blank=True)
    state = models.CharField(
        "状态", max_length=20, choices=ArticleState.choices, default=ArticleState.DRAFT
    )
    live = models.OneToOneField(
        "ArticleVersion",
        verbose_name="现行版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "知识"
        verbose_name_plural = "知识库"
        indexes = [models.Index(fields=["department", "state"], name="article_department_state")]

    def __str__(self) -> str:
        return self.title

    # The fields a publication freezes into a version (the region as its code).
    VERSIONED = ("title", "body", "kind", "keywords", "doc_number", "effective_from", "expires_on")

    @property
    def has_unpublished_changes(self) -> bool:
        """The working copy differs from the live version (an edit not yet republished)."""
        live = self.live
        if live is None:
            return False
        if any(getattr(self, name) != getattr(live, name) for name in self.VERSIONED):
            return True
        current = list(
            self.files.filter(removed_at__isnull=True).order_by("pk").values_list("pk", flat=True)
        )
        return live.region_code != self.region.code or current != list(live.file_ids)


class ArticleVersion(models.Model):
    """One publication of an article, never changed afterwards. `search_*` hold the jieba
    segmentation (space-separated) the full-text backends index (knowledge.search)."""

    article = models.ForeignKey(
        Article, verbose_name="知识", on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    kind = models.CharField("类型", max_length=10, choices=ArticleKind.choices)
    keywords = models.CharField("关键词", max_length=300, blank=True)
    doc_number = models.CharField("文号", max_length=100, blank=True)
    effective_from = models.DateField("生效日期")
    expires_on = models.DateField("失效日期", null=True, blank=True)
    # Denormalised from the article for the search filter (scope changes republish).
    region_code = models.CharField("适用范围代码", max_length=6)
    is_live = models.BooleanField("现行", default=True)
    file_ids = models.JSONField("附件", default=list, blank=True)
    search_title = models.TextField("标题分词")
    search_keywords = models.TextField("关键词分词", blank=True)
    search_body = models.TextField("正文分词")
    published_at = models.DateTimeField("发布时间")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "知识版本"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_version_unique")
        ]
        indexes = [
            models.Index(
                fields=["region_code"],
                name="article_version_live",
                condition=models.Q(is_live=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title}（第 {self.number} 版）"


class TermStat(models.Model):
    """Document frequency of a search term over live versions: the inverse-document-frequency
    weight of each query term, so a rare word ranks above one every article has."""

    term = models.CharField("词", max_length=64, primary_key=True)
    df = models.PositiveIntegerField("文档数", default=0)

    class Meta:
        verbose_name = "检索词统计"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.term}: {self.df}"


class Feedback(models.Model):
    """A reader's verdict on a version: helpful or not (one per reader and version)."""

    version = models.ForeignKey(
        ArticleVersion, verbose_name="知识版本", on_delete=models.PROTECT, related_name="feedback"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="反馈人", on_delete=models.PROTECT, related_name="+"
    )
    helpful = models.BooleanField("有帮助")
    comment = models.CharField("意见", max_length=500, blank=True)
    created_at = models.DateTimeField("反馈时间")

    class Meta:
        verbose_name = "知识反馈"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="feedback_once_per_reader")
        ]

    def __str__(self) -> str:
        return f"{self.version_id} {'有帮助' if self.helpful else '没帮助'}"


class ArticleFile(StoredFile):
    """A file of an article (the policy document itself, a form to fill in). Versions list the
    files they were published with, so removing a file from the working copy keeps it on the
    versions that had it. Stored under a generated name; the original name is only shown."""

    article = models.ForeignKey(
        Article, verbose_name="知识", on_delete=models.PROTECT, related_name="files"
    )
    file = models.FileField("文件", upload_to="knowledge/%Y/%m/")
    removed_at = models.DateTimeField("移出工作稿时间", null=True, blank=True)

    class Meta:
        verbose_name = "知识附件"
        verbose_name_plural = verbose_name
