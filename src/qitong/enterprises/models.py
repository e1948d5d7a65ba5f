"""Enterprises keyed by their unified social credit code (统一社会信用代码, GB 32100-2015)."""

from __future__ import annotations

from django.db import models

from qitong.directory.models import Region
from qitong.enterprises.validators import validate_credit_code, validate_phone


class Industry(models.TextChoices):
    """GB/T 4754-2017 sections (门类)."""

    A = "A", "农、林、牧、渔业"
    B = "B", "采矿业"
    C = "C", "制造业"
    D = "D", "电力、热力、燃气及水生产和供应业"
    E = "E", "建筑业"
    F = "F", "批发和零售业"
    G = "G", "交通运输、仓储和邮政业"
    H = "H", "住宿和餐饮业"
    I = "I", "信息传输、软件和信息技术服务业"  # noqa: E741
    J = "J", "金融业"
    K = "K", "房地产业"
    L = "L", "租赁和商务服务业"
    M = "M", "科学研究和技术服务业"
    N = "N", "水利、环境和公共设施管理业"
    O = "O", "居民服务、修理和其他服务业"  # noqa: E741
    P = "P", "教育"
    Q = "Q", "卫生和社会工作"
    R = "R", "文化、体育和娱乐业"
    S = "S", "公共管理、社会保障和社会组织"
    T = "T", "国际组织"


class SizeClass(models.TextChoices):
    LARGE = "large", "大型"
    MEDIUM = "medium", "中型"
    SMALL = "small", "小型"
    MICRO = "micro", "微型"


class Enterprise(models.Model):
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_credit_code]
    )
    name = models.CharField("企业名称", max_length=200, db_index=True)
    region = models.ForeignKey(
        Region, verbose_name="所在旗县市区", on_delete=models.PROTECT, related_name="enterprises"
    )
    industry = models.CharField("行业门类", max_length=1, choices=Industry.choices)
    size = models.CharField("企业规模", max_length=10, choices=SizeClass.choices)
    address = models.CharField("地址", max_length=200, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "企业"
        verbose_name_plural = verbose_name
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.credit_code = (self.credit_code or "").strip().upper()


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", "手机"
    LANDLINE = "landline", "固定电话"


class Contact(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField("联系人", max_length=50)
    position = models.CharField("职务", max_length=50, blank=True)
    phone = models.CharField(
        "电话",
        max_length=20,
        db_index=True,
        validators=[validate_phone],
        help_text="手机 11 位；固话含区号，如 0471-1234567",
    )
    phone_kind = models.CharField("电话类型", max_length=10, choices=PhoneKind.choices)
    is_primary = models.BooleanField("主要联系人", default=False)

    class Meta:
        verbose_name = "企业联系人"
        verbose_name_plural = verbose_name
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.phone}"
