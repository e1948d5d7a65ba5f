"""Text handling for the knowledge base: cleaning article HTML, plain text, and the jieba
segmentation both search backends index (docs/decisions/0004)."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterable

import nh3
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

ALLOWED_TAGS = {
    "p",
    "br",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "h3",
    "h4",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}

# Words jieba's general dictionary cuts badly; they are whole terms in enterprise policy.
DOMAIN_WORDS = (
    "稳岗返还",
    "六税两费",
    "加计扣除",
    "留抵退税",
    "小型微利企业",
    "小微企业",
    "个体工商户",
    "高新技术企业",
    "科技型中小企业",
    "专精特新",
    "创业担保贷款",
    "一照多址",
    "证照分离",
    "排污许可",
    "环评",
    "用电报装",
    "出口退税",
    "跨境电商",
    "电子税务局",
    "蒙企通",
    "政务服务网",
    "营业执照",
    "经营范围",
    "简易注销",
    "施工许可",
    "工程规划许可",
    "社保补贴",
    "失业保险",
    "工伤保险",
    "知识产权",
    "专利",
    "商标",
    "招投标",
    "拖欠账款",
)

# Colloquial or short forms → the words articles use; a query term also searches these.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "个体户": ("个体工商户",),
    "执照": ("营业执照",),
    "社保": ("社会保险",),
    "医保": ("医疗保险",),
    "高企": ("高新技术企业",),
    "科小": ("科技型中小企业",),
    "小微": ("小微企业", "小型微利企业"),
    "贷款": ("融资", "信贷"),
    "借钱": ("贷款", "融资"),
    "注销": ("简易注销",),
    "关掉": ("注销",),
    "关门": ("注销",),
    "不干": ("注销",),
    "欠": ("拖欠",),
    "工程款": ("拖欠账款", "账款"),
    "货款": ("账款",),
    "招工": ("招用", "就业"),
    "开公司": ("设立登记", "开办企业"),
    "开办": ("设立登记", "开办企业"),
    "招人": ("招用", "吸纳就业"),
    "大学生": ("高校毕业生",),
    "退税": ("出口退税", "留抵退税"),
    "电费": ("电价",),
    "通电": ("用电报装",),
    "拉电": ("用电报装",),
    "盖厂房": ("施工许可", "工程建设"),
    "欠款": ("拖欠账款", "账款"),
    "欠钱": ("拖欠账款",),
    "补助": ("补贴", "奖励"),
    "补贴": ("补助", "奖补"),
    "少交": ("减免", "优惠"),
    "少交税": ("减免", "税收优惠"),
    "免税": ("减免", "免征"),
    "环保手续": ("环评", "排污许可"),
    "投标": ("招标投标", "招投标"),
    "外贸": ("进出口",),
    "报关": ("通关", "申报"),
    "商标注册": ("商标",),
    "人才": ("人才引进",),
    "落户": ("户籍",),
}

# Pairs jieba would glue into a non-word in questions ("税能少交点吗" → 税能).
SPLITS = (("税", "能"), ("税", "有"), ("费", "能"), ("钱", "能"))

STOPWORDS = frozenset(
    [
        "的",
        "了",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "么",
        "嘛",
        "哦",
        "我",
        "我们",
        "你",
        "您",
        "你们",
        "他",
        "她",
        "它",
        "他们",
        "是",
        "有",
        "没有",
        "在",
        "和",
        "与",
        "及",
        "或",
        "或者",
        "就",
        "都",
        "也",
        "还",
        "又",
        "要",
        "想",
        "能",
        "能不能",
        "可以",
        "可不可以",
        "会",
        "该",
        "需要",
        "应该",
        "怎么",
        "怎样",
        "怎么样",
        "如何",
        "什么",
        "哪些",
        "哪个",
        "哪里",
        "多少",
        "多久",
        "几",
        "吗?",
        "请问",
        "问",
        "一下",
        "一个",
        "这个",
        "那个",
        "这",
        "那",
        "些",
        "公司",
        "企业",
        "咱们",
        "我司",
        "本公司",
        "现在",
        "目前",
        "已经",
        "关于",
        "对于",
        "通过",
        "进行",
        "以及",
        "等",
        "其",
        "之",
        "为",
        "被",
        "把",
        "给",
        "让",
        "从",
        "到",
        "向",
        "对",
        "上",
        "下",
        "中",
        "里",
        "后",
        "前",
        "时",
        "时候",
        "如果",
        "因为",
        "所以",
        "但是",
        "而且",
        "并",
        "并且",
        "个",
        "点",
        "啥",
        "咋",
        "得",
        "地",
        "着",
        "过",
    ]
)

_PUNCT = re.compile(r"^[\W_]+$", re.UNICODE)
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")

_ready = threading.Lock()
_tokenizer = None


def _jieba():  # type: ignore[no-untyped-def]
    """jieba with the domain words, built once per process (it loads a 5 MB dictionary)."""
    global _tokenizer
    with _ready:
        if _tokenizer is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            for word in DOMAIN_WORDS:
                tokenizer.add_word(word, freq=20000)
            for key, forms in SYNONYMS.items():
                for word in (key, *forms):
                    tokenizer.add_word(word, freq=20000)
            for pair in SPLITS:
                tokenizer.suggest_freq(pair, tune=True)
            _tokenizer = tokenizer
    return _tokenizer


def clean_html(raw: str) -> str:
    """The article body as safe HTML: allowed tags only, no attributes, no scripts."""
    return nh3.clean(raw or "", tags=ALLOWED_TAGS, attributes={}, link_rel=None).strip()


def plain_text(body: str) -> str:
    """Text of (cleaned) HTML, block ends as spaces, entities decoded."""
    text = _TAGS.sub(" ", body or "")
    return _SPACE.sub(" ", html.unescape(text)).strip()


def tokens(text: str) -> list[str]:
    """Index terms: jieba search-mode cut, lower-cased, without punctuation and stopwords."""
    out = []
    for token in _jieba().cut_for_search(text or ""):
        token = token.strip().lower()
        if not token or _PUNCT.match(token) or token in STOPWORDS:
            continue
        out.append(token[:64])
    return out


def segmented(text: str) -> str:
    return " ".join(tokens(text))


def query_terms(query: str, limit: int = 16) -> list[str]:
    """Distinct terms of a query, with the synonyms of each, in query order."""
    seen: dict[str, None] = {}
    for token in tokens(query):
        seen.setdefault(token, None)
        for synonym in SYNONYMS.get(token, ()):
            for part in tokens(synonym):
                seen.setdefault(part, None)
    return list(seen)[:limit]


def snippet(body: str, terms: Iterable[str], width: int = 90) -> SafeString:
    """A short excerpt of the body around the first matched term, as safe markup: the text is
    split at the matched terms and every piece is escaped as it is joined (format_html), so
    the only tags in it are our <mark>s — whatever the body held, entity-encoded or not."""
    text = plain_text(body)
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    first = min((i for t in words if (i := text.find(t)) >= 0), default=0)
    start = max(0, first - width // 3)
    piece = text[start : start + width]
    parts: list[tuple[str, bool]] = []
    if words:
        pattern = re.compile("|".join(re.escape(w) for w in words))
        at = 0
        for m in pattern.finditer(piece):
            parts += [(piece[at : m.start()], False), (m.group(0), True)]
            at = m.end()
        parts.append((piece[at:], False))
    else:
        parts.append((piece, False))
    marked = format_html_join(
        "", "{}", ((format_html("<mark>{}</mark>", t) if hit else t,) for t, hit in parts if t)
    )
    return format_html(
        "{}{}{}",
        "…" if start else "",
        marked,
        "…" if start + width < len(text) else "",
    )
