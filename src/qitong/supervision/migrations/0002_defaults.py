"""The default problem categories (issue 13; codes shared with the tickets' 反映问题 categories)
and the class limits: C 5 working days, B 15 working days, A one month. Both are editable."""

from django.db import migrations

CATEGORIES = [
    ("broken_promise", "政府承诺不兑现"),
    ("arrears", "拖欠企业账款"),
    ("policy_not_delivered", "惠企政策落实不到位"),
    ("approval_service", "审批服务不规范"),
    ("arbitrary_charges", "乱收费乱罚款"),
    ("law_enforcement", "执法检查不规范"),
    ("other", "其他"),
]
LIMITS = [("A", 1, "months"), ("B", 15, "working_days"), ("C", 5, "working_days")]


def seed(apps, schema_editor):
    Category = apps.get_model("supervision", "ProblemCategory")
    Limit = apps.get_model("supervision", "ClassLimit")
    for position, (code, name) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(code=code, defaults={"name": name, "sort_order": position})
    for problem_class, amount, unit in LIMITS:
        Limit.objects.get_or_create(
            problem_class=problem_class, defaults={"amount": amount, "unit": unit}
        )


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
