"""The area-assessment domain's status sets (issue 16)."""

from __future__ import annotations

from django.db import models


class ZoneLevel(models.TextChoices):
    NATIONAL = "national", "国家级"
    REGIONAL = "regional", "自治区级"


class ResultState(models.TextChoices):
    DRAFT = "draft", "草稿"  # entered by its department, not yet public
    PUBLISHED = "published", "已公示"  # public, projects in the zone may use it
    COLLECTED = "collected", "已汇聚"  # also in the 工程建设项目审批管理系统 (external id)
    EXPIRED = "expired", "已过期"  # past its validity (set by the daily sweep)
    REVOKED = "revoked", "已撤销"  # withdrawn by its department, with the reason
    SUPERSEDED = "superseded", "已被替代"  # a newer result of the zone and item was published


LIVE_STATES = frozenset({ResultState.PUBLISHED, ResultState.COLLECTED})  # usable, if in date
PUBLIC_STATES = frozenset(
    {ResultState.PUBLISHED, ResultState.COLLECTED, ResultState.EXPIRED, ResultState.SUPERSEDED}
)


class ProjectStage(models.TextChoices):
    PLANNING = "planning", "立项用地规划"
    PERMIT = "permit", "工程建设许可"
    CONSTRUCTION = "construction", "施工许可"
    ACCEPTANCE = "acceptance", "竣工验收"
    DONE = "done", "已投产"


class RecordedBy(models.TextChoices):
    DEPARTMENT = "department", "审批部门"
    OWNER = "owner", "项目单位"
