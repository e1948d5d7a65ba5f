"""Fixed reference material of the demo deployment (Inner Mongolia): policy domains, the
autonomous region's departments and their 盟市 counterparts, the desk plan, and the word lists
from which synthetic people and enterprises are drawn. Real institutions appear by their
public names; people and enterprises are invented (every enterprise name ends in "（演示）")."""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE_CODE = "150000"
PROVINCE_LEVEL_NAME = "自治区本级"

# (code, name, department kinds that answer it)
POLICY_DOMAINS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("tax", "税费", ("tax", "finance")),
    ("finance", "金融", ("local_finance", "pboc", "financial_regulation")),
    ("land", "用地", ("natural_resources",)),
    ("labour", "劳动用工", ("human_resources",)),
    ("energy", "能源", ("energy", "development_reform")),
    (
        "construction_approval",
        "工程建设审批",
        ("housing_construction", "government_services_data", "natural_resources"),
    ),
    ("market_access", "市场准入", ("market_regulation", "government_services_data")),
    ("foreign_trade", "外贸", ("commerce", "customs")),
    ("intellectual_property", "知识产权", ("intellectual_property", "market_regulation")),
    ("innovation", "科技创新", ("science_technology", "industry_it")),
    ("environment", "环保", ("ecology_environment",)),
    ("social_insurance", "社保", ("human_resources", "medical_security")),
    ("talent", "人才引进", ("human_resources", "science_technology")),
    ("bidding", "招标投标", ("public_resources_trading", "development_reform")),
    ("enterprise_support", "惠企政策兑现", ("industry_it", "finance", "business_environment")),
)


@dataclass(frozen=True)
class DepartmentKind:
    kind: str
    name: str  # the autonomous-region department
    short_name: str
    city_name: str | None  # 盟市 counterpart: {city} = 呼和浩特市, {city_short} = 呼和浩特
    business_env: bool = False


DEPARTMENT_KINDS: tuple[DepartmentKind, ...] = (
    DepartmentKind(
        "development_reform", "自治区发展和改革委员会", "发改委", "{city}发展和改革委员会"
    ),
    DepartmentKind("education", "自治区教育厅", "教育厅", "{city}教育局"),
    DepartmentKind("science_technology", "自治区科学技术厅", "科技厅", "{city}科学技术局"),
    DepartmentKind("industry_it", "自治区工业和信息化厅", "工信厅", "{city}工业和信息化局"),
    DepartmentKind("ethnic_affairs", "自治区民族事务委员会", "民委", "{city}民族事务委员会"),
    DepartmentKind("public_security", "自治区公安厅", "公安厅", "{city}公安局"),
    DepartmentKind("civil_affairs", "自治区民政厅", "民政厅", "{city}民政局"),
    DepartmentKind("justice", "自治区司法厅", "司法厅", "{city}司法局"),
    DepartmentKind("finance", "自治区财政厅", "财政厅", "{city}财政局"),
    DepartmentKind(
        "human_resources", "自治区人力资源和社会保障厅", "人社厅", "{city}人力资源和社会保障局"
    ),
    DepartmentKind("natural_resources", "自治区自然资源厅", "自然资源厅", "{city}自然资源局"),
    DepartmentKind("ecology_environment", "自治区生态环境厅", "生态环境厅", "{city}生态环境局"),
    DepartmentKind(
        "housing_construction", "自治区住房和城乡建设厅", "住建厅", "{city}住房和城乡建设局"
    ),
    DepartmentKind("transport", "自治区交通运输厅", "交通运输厅", "{city}交通运输局"),
    DepartmentKind("water_resources", "自治区水利厅", "水利厅", "{city}水务局"),
    DepartmentKind("agriculture", "自治区农牧厅", "农牧厅", "{city}农牧局"),
    DepartmentKind("commerce", "自治区商务厅", "商务厅", "{city}商务局"),
    DepartmentKind("culture_tourism", "自治区文化和旅游厅", "文旅厅", "{city}文化和旅游局"),
    DepartmentKind("health", "自治区卫生健康委员会", "卫健委", "{city}卫生健康委员会"),
    DepartmentKind("veterans", "自治区退役军人事务厅", "退役军人厅", "{city}退役军人事务局"),
    DepartmentKind("emergency", "自治区应急管理厅", "应急厅", "{city}应急管理局"),
    DepartmentKind("audit", "自治区审计厅", "审计厅", "{city}审计局"),
    DepartmentKind("foreign_affairs", "自治区外事办公室", "外办", "{city}外事办公室"),
    DepartmentKind(
        "state_assets", "自治区国有资产监督管理委员会", "国资委", "{city}国有资产监督管理委员会"
    ),
    DepartmentKind(
        "market_regulation", "自治区市场监督管理局", "市场监管局", "{city}市场监督管理局"
    ),
    DepartmentKind("radio_tv", "自治区广播电视局", "广电局", None),
    DepartmentKind("sports", "自治区体育局", "体育局", "{city}体育局"),
    DepartmentKind("statistics", "自治区统计局", "统计局", "{city}统计局"),
    DepartmentKind("forestry_grassland", "自治区林业和草原局", "林草局", "{city}林业和草原局"),
    DepartmentKind("medical_security", "自治区医疗保障局", "医保局", "{city}医疗保障局"),
    DepartmentKind("energy", "自治区能源局", "能源局", "{city}能源局"),
    DepartmentKind(
        "government_services_data",
        "自治区政务服务与数据管理局",
        "政数局",
        "{city}政务服务与数据管理局",
    ),
    DepartmentKind(
        "business_environment",
        "自治区营商环境建设局",
        "营商局",
        "{city}营商环境建设局",
        business_env=True,
    ),
    DepartmentKind("grain_reserves", "自治区粮食和物资储备局", "粮储局", None),
    DepartmentKind("drug_administration", "自治区药品监督管理局", "药监局", None),
    DepartmentKind("local_finance", "自治区地方金融管理局", "金融局", "{city}地方金融管理局"),
    DepartmentKind("civil_air_defense", "自治区人民防空办公室", "人防办", "{city}人民防空办公室"),
    DepartmentKind("petitions", "自治区信访局", "信访局", "{city}信访局"),
    DepartmentKind("intellectual_property", "自治区知识产权局", "知识产权局", None),
    DepartmentKind("federation_commerce", "自治区工商业联合会", "工商联", "{city}工商业联合会"),
    DepartmentKind("tax", "国家税务总局内蒙古自治区税务局", "税务局", "国家税务总局{city}税务局"),
    DepartmentKind("customs", "呼和浩特海关", "海关", None),
    DepartmentKind("pboc", "中国人民银行内蒙古自治区分行", "人民银行", "中国人民银行{city}分行"),
    DepartmentKind(
        "financial_regulation",
        "国家金融监督管理总局内蒙古监管局",
        "金融监管局",
        "国家金融监督管理总局{city_short}监管分局",
    ),
    DepartmentKind("communications", "内蒙古自治区通信管理局", "通信管理局", None),
    DepartmentKind("meteorology", "内蒙古自治区气象局", "气象局", "{city}气象局"),
    DepartmentKind("fire_rescue", "内蒙古自治区消防救援总队", "消防总队", "{city}消防救援支队"),
    DepartmentKind(
        "public_resources_trading", "自治区公共资源交易中心", "交易中心", "{city}公共资源交易中心"
    ),
)

# Telephone area codes of the 12 盟市 (the autonomous region's offices are in Hohhot).
AREA_CODES = {
    "150000": "0471",
    "150100": "0471",
    "150200": "0472",
    "150300": "0473",
    "150400": "0476",
    "150500": "0475",
    "150600": "0477",
    "150700": "0470",
    "150800": "0478",
    "150900": "0474",
    "152200": "0482",
    "152500": "0479",
    "152900": "0483",
}

# Enterprise desks per region: 41 in all (5 at 自治区本级, 36 across the 12 盟市), 7 staff each
# (one desk lead, six operators) = 287.
DESKS_PER_REGION = {
    "150000": 5,
    "150100": 5,
    "150200": 4,
    "150700": 3,
    "152200": 2,
    "150500": 3,
    "150400": 4,
    "152500": 2,
    "150900": 3,
    "150600": 4,
    "150800": 2,
    "150300": 2,
    "152900": 2,
}
DESK_THEMES = ("综合", "惠企政策", "工程建设", "融资服务", "蒙古语服务")
OPERATORS_PER_DESK = 6  # plus one desk lead

# Specialists: 200 in the autonomous region's departments, 800 across the 盟市.
SPECIALISTS_PER_REGION = {
    "150000": 200,
    "150100": 110,
    "150200": 100,
    "150700": 70,
    "152200": 45,
    "150500": 65,
    "150400": 90,
    "152500": 50,
    "150900": 55,
    "150600": 100,
    "150800": 50,
    "150300": 30,
    "152900": 35,
}
# Share of specialists who also serve in Mongolian (higher in the pastoral east and west).
MONGOLIAN_SHARE = {"152200": 0.4, "152500": 0.4, "150500": 0.35, "150700": 0.3, "152900": 0.3}
MONGOLIAN_SHARE_DEFAULT = 0.12

ENTERPRISE_COUNT = 300

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤乌包额其"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲飞鹏辉建国志宏海燕斌慧晨阳晶"
    "雪梅婷浩宇欣博文鑫颖琳瑞佳怡诚亮凯旭峰颖岚蕾楠巍雅丹琦源泽朝鲁格日乐图娅苏和巴特尔"
)
MONGOLIAN_GIVEN_NAMES = (
    "巴特尔",
    "苏日娜",
    "乌云",
    "其其格",
    "额尔敦",
    "阿拉坦",
    "斯琴",
    "格日勒",
    "朝鲁",
    "那仁",
    "图雅",
    "萨仁",
    "宝音",
    "哈斯",
    "布和",
    "乌日娜",
)

BRAND_WORDS = (
    "北辰",
    "青禾",
    "金穗",
    "瀚海",
    "祥云",
    "蒙源",
    "星野",
    "天骄",
    "朔风",
    "银川",
    "远牧",
    "丰泽",
    "鸿途",
    "安达",
    "驼铃",
    "雁行",
    "晨曦",
    "沃野",
    "昭君",
    "敕勒",
    "云杉",
    "白桦",
    "沙棘",
    "雪原",
    "山丹",
    "溪谷",
    "嘉禾",
    "润泽",
    "恒信",
    "弘毅",
)
# GB/T 4754 section → (trade words, weight)
TRADES: dict[str, tuple[tuple[str, ...], int]] = {
    "A": (("牧业", "种业", "农牧科技", "生态农业"), 12),
    "B": (("矿业", "煤业", "矿产开发"), 6),
    "C": (("乳业", "稀土新材料", "装备制造", "化工", "羊绒制品", "光伏材料", "肉食品"), 24),
    "D": (("新能源", "热力", "风电", "氢能"), 6),
    "E": (("建设工程", "建筑安装", "路桥工程"), 8),
    "F": (("商贸", "农资商贸", "电子商务"), 14),
    "G": (("物流", "运输", "供应链"), 7),
    "H": (("餐饮管理", "酒店管理"), 5),
    "I": (("软件", "数据科技", "信息技术"), 6),
    "L": (("企业管理咨询", "会展服务"), 4),
    "M": (("检测技术", "工程设计", "环境科技"), 4),
    "R": (("文化传媒", "旅游开发"), 4),
}
SIZE_WEIGHTS = {"micro": 40, "small": 35, "medium": 18, "large": 7}
CONTACT_POSITIONS = ("法定代表人", "总经理", "财务负责人", "办公室主任", "行政主管")
ROAD_WORDS = ("新华", "兴安", "团结", "昭乌达", "锡林", "滨河", "建设", "民族", "胜利", "鄂尔多斯")
