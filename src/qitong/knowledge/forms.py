"""The owning department's article form; the rules stay in knowledge.services."""

from __future__ import annotations

from typing import Any

from django import forms

from qitong.core.forms import ServiceForm
from qitong.directory.models import PolicyDomain, Region
from qitong.knowledge.models import Article, ArticleKind
from qitong.knowledge.services import ArticleInput


class ArticleForm(ServiceForm):
    title = forms.CharField(label="标题", max_length=200)
    kind = forms.ChoiceField(label="类型", choices=ArticleKind.choices)
    domain = forms.ChoiceField(label="政策领域")
    region = forms.ChoiceField(label="适用范围")
    keywords = forms.CharField(
        label="关键词", help_text="以空格分隔，写上企业常用的说法（如“个体户”“社保”）有助于检索"
    )
    doc_number = forms.CharField(label="文号", max_length=100)
    effective_from = forms.DateField(
        label="生效日期", widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label="失效日期",
        help_text="可不填（长期有效）",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    body = forms.CharField(
        label="正文",
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="可用段落 <p>、列表 <ul><li>、加粗 <strong>；其他标签和属性会被去掉",
    )
    required_fields = ("title", "kind", "region", "effective_from", "body")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = [("", "（不限）")] + [  # type: ignore[attr-defined]
            (d.code, d.name) for d in PolicyDomain.objects.order_by("sort_order", "code")
        ]
        self.fields["region"].choices = [  # type: ignore[attr-defined]
            (r.code, ("　" if r.level == "city" else "") + r.name)
            for r in Region.objects.filter(level__in=["province", "city"]).order_by(
                "sort_order", "code"
            )
        ]
        self.initial.setdefault("region", "150000")
        self.initial.setdefault("kind", ArticleKind.QA)

    @classmethod
    def for_article(cls, article: Article) -> ArticleForm:
        return cls(
            initial={
                "title": article.title,
                "kind": article.kind,
                "domain": article.domain.code if article.domain else "",
                "region": article.region.code,
                "keywords": article.keywords,
                "doc_number": article.doc_number,
                "effective_from": article.effective_from,
                "expires_on": article.expires_on,
                "body": article.body,
            }
        )

    def article_input(self) -> ArticleInput:
        data = self.data
        return ArticleInput(
            title=str(data.get("title", "")),
            body=str(data.get("body", "")),
            kind=str(data.get("kind", "")),
            effective_from=str(data.get("effective_from", "")),
            region=str(data.get("region", "")),
            domain=str(data.get("domain", "")),
            keywords=str(data.get("keywords", "")),
            doc_number=str(data.get("doc_number", "")),
            expires_on=str(data.get("expires_on", "")) or None,
        )
