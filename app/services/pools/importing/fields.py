"""Field specs: for each kind of import, the fields, their canonical template header, the header aliases
the published files use, the value kind and the allowed values.

To add a field (e.g. 成立日期), add ONE `_f(...)` entry to the kind's tuple; the converter, the template and
the column mapping pick it up from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.models.pools import (
    AIR_GRADES,
    CREDIT_GRADES,
    CREDIT_RISKS,
    INSPECTOR_KINDS,
    KEY_UNIT_CATEGORIES,
    OBJECT_STATUSES,
    PERMIT_CLASSES,
)
from app.services.foundation.errors import UserError
from app.services.pools import reader as tabular

KINDS = ("objects", "inspectors", "experts", "items", "key-units", "cancelled")
KIND_LABELS = {
    "objects": "检查对象",
    "inspectors": "执法检查人员",
    "experts": "辅助人员/专家",
    "items": "抽查事项",
    "key-units": "重点排污单位名录（只更新库中已有单位）",
    "cancelled": "注销/撤销的排污许可证清单",
}
IGNORE = "__ignore__"
ITEM_CLASSES = ("重点检查事项", "一般检查事项")
GENDERS = ("男", "女")
SPECIAL_SITUATIONS = (
    "上一季度被处罚",
    "挂牌督办",
    "群众反映强烈",
    "两高",
    "环境风险较高",
    "核技术利用单位",
    "危险废物经营单位",
    "填埋场",
    "矿井",
)
POLLUTION_TYPES = ("废水", "废气", "固废", "危废", "噪声", "辐射", "土壤")
EXPERTISE = ("大气", "水", "固废", "危废", "辐射", "噪声", "土壤", "综合")


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str  # canonical template header
    aliases: tuple[str, ...] = ()
    # text | name | code | uscc | bool | enum | list | int | date | usccs | period | idcard | certno | duty
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    note: str = ""  # shown in the template's second header line / drop-downs


def _f(key, label, *aliases, **kw) -> FieldSpec:
    return FieldSpec(key, label, tuple(aliases), **kw)


# Where a row says it is: the permit platform's 省/直辖市 and 地市, a ledger's 所在地区 "河北省-邢台市-隆尧县",
# a 名录's 区县 / 县（市、区）. Read to leave out rows of other counties (see `importing.region`), not stored.
REGION_FIELDS = (
    _f("province", "省/直辖市", "省份", "省", "省（自治区、直辖市）", "省(区、市)"),
    _f("city", "地市", "市", "所在市", "地级市", "市（州）", "设区市", "所属地市"),
    _f("county", "区县", "县（市、区）", "县(市、区)", "县区", "县（区）", "所在区县", "区/县", "所属区县"),
    _f("area", "所在地区", "行政区划", "所在行政区", "所属行政区划"),
)
REGION_KEYS = tuple(s.key for s in REGION_FIELDS)

OBJECT_FIELDS = (
    _f(
        "name",
        "单位名称",
        "企业名称",
        "排污单位名称",
        "单位名称（全称）",
        "企业名称（全称）",
        "名称",
        "被检查单位",
        "检查对象名称",
        "市场主体名称",
        "企业（单位）名称",
        "企业详细名称",
        "单位详细名称",
        kind="name",
        required=True,
    ),
    _f(
        "uscc",
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
        "统一代码",
        "社会统一信用代码",
        "统一社会信用代码（组织机构代码）",
        "USCC",
        kind="uscc",
        required=True,
    ),
    _f(
        "permit_no",
        "排污许可证编号",
        "许可证编号",
        "排污许可证号",
        "许可证号",
        "登记编号",
        "排污登记编号",
        "证书编号",
        "排污许可证书编号",
        kind="code",
    ),
    _f(
        "permit_class",
        "排污许可管理类别",
        "管理类别",
        "许可管理类别",
        "排污许可类别",
        "许可类别",
        "管理类型",
        kind="enum",
        choices=PERMIT_CLASSES,
    ),
    _f(
        "key_polluter",
        "重点排污单位",
        "是否重点排污单位",
        "重点排污单位名录",
        "列入重点排污单位名录",
        "重点单位",
        kind="bool",
    ),
    _f("industry", "行业类别", "行业", "所属行业", "行业名称", "国民经济行业"),
    _f("pollution_types", "污染类型", "污染源类型", "污染类别", "排污类型", kind="list"),
    _f(
        "township",
        "所属乡镇（街道）",
        "所属乡镇",
        "乡镇",
        "乡镇（街道）",
        "乡镇街道",
        "街道",
        "所在乡镇",
        "属地",
        "所属区域",
        "区域",
    ),
    _f("address", "地址", "单位地址", "企业地址", "生产经营场所地址", "经营地址", "注册地址", "住所"),
    _f("legal_rep", "法定代表人", "法人", "法人代表", "法定代表人（负责人）", "负责人"),
    _f("contact", "联系人", "环保联系人", "环保负责人"),
    _f("phone", "联系电话", "电话", "手机", "联系方式", "手机号码", kind="code"),
    _f("status", "状态", "企业状态", "经营状态", "运营状态", "登记状态", kind="enum", choices=OBJECT_STATUSES),
    _f("positive_list", "正面清单", "是否正面清单", "纳入正面清单", "监督执法正面清单", kind="bool"),
    _f("credit_grade", "信用等级", "环境信用等级", "信用评价等级", "信用评价", kind="enum", choices=CREDIT_GRADES),
    _f("credit_risk", "信用风险等级", "信用风险", "信用风险分类", "风险等级", kind="enum", choices=CREDIT_RISKS),
    _f(
        "air_grade",
        "大气绩效等级",
        "绩效等级",
        "大气绩效评级",
        "绩效分级",
        "环保绩效等级",
        "重污染天气绩效分级",
        kind="enum",
        choices=AIR_GRADES,
    ),
    _f("special_situations", "特殊监管情形", "特殊情形", "特殊监管", "特殊监管对象情形", kind="list"),
    _f("tags", "标签", "标识", "标记", "备注标签", kind="list"),
    _f("registration_date", "成立日期", "登记日期", "成立时间", "注册日期", "设立日期", "登记设立日期", kind="date"),
    _f("status_date", "状态日期", "注销日期", "停产日期", "迁出日期", "变更日期", kind="date"),
    # the permit's own data (kept as `ObjectPermit`, see importing.objects)
    _f("permit_valid", "有效期限", "许可证有效期限", "有效期", "许可证有效期", "有效期限（起止）", kind="period"),
    _f("permit_issued", "发证日期", "发证时间", "核发日期", kind="date"),
    _f("permit_issuer", "发证机关", "核发机关", "发证单位"),
    _f(
        "key_categories",
        "名录类别",
        "重点排污单位类别",
        "重点排污单位类型",
        "名录类型",
        "重点监管单位类别",
        kind="categories",
    ),
    *REGION_FIELDS,
)

INSPECTOR_FIELDS = (
    _f("name", "姓名", "人员姓名", "执法人员姓名", "专家姓名", "名字", required=True),
    _f("kind", "人员类别", "类别", "人员类型", "身份", kind="enum", choices=INSPECTOR_KINDS),
    _f("cert_no", "执法证号", "执法证件号", "执法证编号", "执法证件编号", "证件号码", "证号", kind="certno"),
    _f("org", "单位", "所在单位", "工作单位", "单位名称", "检查机关", "执法机关", "所属机关", "执法主体"),
    _f("department", "部门", "科室", "所在部门", "部门（科室）", "部门岗位"),
    _f("position", "职务", "职务岗位", "岗位", "职称", "职务（职称）"),
    _f("region", "行政区域", "所属区域", "区域", "负责区域", "地区", "所属乡镇"),
    _f("gender", "性别", kind="enum", choices=GENDERS),
    _f("years", "工作年限", "从业年限", "执法年限", "工龄", kind="int"),
    _f("expertise", "业务专长", "专长", "专业", "专业领域", "擅长领域", "专业特长", kind="list"),
    _f("on_duty", "在编在岗", "是否在编在岗", "是否在岗", kind="bool"),
    _f("duty_status", "状态", "人员状态", "在岗状态", "工作状态", "在职状态", kind="duty"),
    _f("avoid_usccs", "回避对象", "回避单位", "回避企业", "需回避单位", "回避对象（统一社会信用代码）", kind="usccs"),
    _f("phone", "联系电话", "电话", "手机", "联系方式", kind="code"),
    _f("id_no", "身份证号", "工号", "身份证号码", "公民身份号码", kind="idcard"),
)

ITEM_FIELDS = (
    _f("seq", "序号", "编号", kind="int"),
    _f("category", "抽查类别", "事项类别名称", "类别名称", "抽查项目"),
    _f("name", "抽查事项", "事项名称", "检查事项", "抽查事项名称", required=True),
    _f("target", "检查对象", "抽查对象", "检查对象范围", "抽查对象范围"),
    _f("content", "抽查内容", "检查内容"),
    _f("item_class", "事项类别", "事项类型", "检查事项类别", kind="enum", choices=ITEM_CLASSES),
    _f("method", "检查方式", "抽查方式", "检查方法"),
    _f("subject", "检查主体", "实施层级", "检查主体/实施层级", "实施主体"),
    _f("basis", "检查依据", "法律依据", "依据"),
    _f("ratio", "抽查比例", "抽查比例/数量", "比例"),
    _f("frequency", "抽查频次", "频次", "检查频次"),
    _f("code", "事项编码", "事项代码", kind="code"),
    _f("remark", "备注", "说明"),
    _f("year", "年度", "年份", kind="int"),
)


# 重点排污单位名录 (three published layouts, see docs/pools.md): matched to the pool by USCC, else by name.
KEY_UNIT_FIELDS = (
    _f("seq", "序号", "编号"),
    _f("name", OBJECT_FIELDS[0].label, *OBJECT_FIELDS[0].aliases, kind="name", required=True),
    _f("uscc", OBJECT_FIELDS[1].label, *OBJECT_FIELDS[1].aliases, kind="uscc"),
    _f(
        "key_categories",
        "名录类别",
        "重点排污单位类别",
        "重点排污单位类型",
        "名录类型",
        "类别",
        "重点监管单位类别",
        kind="categories",
    ),
    _f("industry", "行业类别", "行业", "所属行业"),
    _f("address", "地址", "单位地址", "企业地址", "生产经营场所地址"),
    *REGION_FIELDS,
)

# The permit platform's 注销/撤销 list (全国排污许可证管理信息平台, 公开信息 → 注销/撤销信息).
CANCELLED_FIELDS = (
    _f("permit_no", "许可证编号", "排污许可证编号", "登记编号", "证书编号", kind="code", required=True),
    _f("name", "单位名称", "企业名称", "排污单位名称", kind="name"),
    _f("uscc", "统一社会信用代码", "社会信用代码", "信用代码", kind="uscc"),
    _f("state", "注销/撤销", "类型", "注销类型", "状态", "许可证状态", kind="enum", choices=("注销", "撤销")),
    _f("reason", "注销原因", "撤销原因", "原因", "注销/撤销原因"),
    _f("date", "注销时间", "撤销时间", "注销日期", "撤销日期", "注销/撤销时间", kind="date", required=True),
    _f("industry", "行业类别", "行业"),
    *REGION_FIELDS,
)

FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "objects": OBJECT_FIELDS,
    "inspectors": INSPECTOR_FIELDS,
    "experts": INSPECTOR_FIELDS,
    "items": ITEM_FIELDS,
    "key-units": KEY_UNIT_FIELDS,
    "cancelled": CANCELLED_FIELDS,
}


# Required fields a file may leave out because the import takes them from another column: the permit
# platform's list has no USCC column, the USCC is an enterprise permit number's first 18 characters.
DERIVED_FROM = {"objects": {"uscc": "permit_no"}}


def missing_required(kind: str, mapped) -> list[FieldSpec]:
    """The required fields of `kind` that neither a mapped column nor a derivation provides."""
    present = set(mapped)
    derived = {key for key, source in DERIVED_FROM.get(kind, {}).items() if source in present}
    return [s for s in fields_for(kind) if s.required and s.key not in present | derived]


def fields_for(kind: str) -> tuple[FieldSpec, ...]:
    if kind not in FIELDS:
        raise UserError(
            f"导入类型“{kind}”无效，应为：objects（检查对象）、inspectors（执法人员）、experts（专家）、items（事项清单）、"
            "key-units（重点排污单位名录）、cancelled（注销/撤销的许可证清单）。"
        )
    return FIELDS[kind]


def alias_index(kind: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for spec in fields_for(kind):
        for h in (spec.label, *spec.aliases):
            out.setdefault(tabular.header_key(h), spec.key)
    return out


# ---------------------------------------------------------------------------------------------- values


_ENUM_ALIASES = {
    "permit_class": {
        "重点": "重点管理",
        "重点管理": "重点管理",
        "简化": "简化管理",
        "简化管理": "简化管理",
        "登记": "登记管理",
        "登记管理": "登记管理",
        "排污登记": "登记管理",
        "排污登记管理": "登记管理",
        "许可重点管理": "重点管理",
        "许可简化管理": "简化管理",
    },
    "status": {
        "存续": "存续",
        "在营": "存续",
        "正常": "存续",
        "运营": "存续",
        "在业": "存续",
        "生产": "存续",
        "正常生产": "存续",
        "开业": "存续",
        "停产": "停产",
        "停业": "停产",
        "停产整治": "停产",
        "歇业": "停产",
        "注销": "注销",
        "关闭": "注销",
        "吊销": "注销",
        "已注销": "注销",
        "已关闭": "注销",
        "取缔": "注销",
        "迁出": "迁出",
        "已迁出": "迁出",
        "搬迁": "迁出",
    },
    "credit_risk": {
        "低": "低风险",
        "低风险": "低风险",
        "一般": "一般风险",
        "一般风险": "一般风险",
        "中": "一般风险",
        "较高": "较高风险",
        "较高风险": "较高风险",
        "高": "高风险",
        "高风险": "高风险",
    },
    "credit_grade": {
        "A": "A",
        "B": "B",
        "C": "C",
        "D": "D",
        "A级": "A",
        "B级": "B",
        "C级": "C",
        "D级": "D",
        "诚信": "A",
        "良好": "B",
        "警示": "C",
        "不良": "D",
        "环保诚信": "A",
        "环保良好": "B",
        "环保警示": "C",
        "环保不良": "D",
    },
    "air_grade": {
        "A": "A",
        "B": "B",
        "B-": "B-",
        "C": "C",
        "D": "D",
        "引领性": "引领性",
        "A级": "A",
        "B级": "B",
        "B-级": "B-",
        "C级": "C",
        "D级": "D",
        "引领": "引领性",
        "引领性企业": "引领性",
        "绩效引领性": "引领性",
    },
    "item_class": {
        "重点": "重点检查事项",
        "重点检查事项": "重点检查事项",
        "重点事项": "重点检查事项",
        "一般": "一般检查事项",
        "一般检查事项": "一般检查事项",
        "一般事项": "一般检查事项",
    },
    "kind": {
        "执法人员": "执法人员",
        "执法": "执法人员",
        "执法检查人员": "执法人员",
        "辅助人员": "辅助人员",
        "辅助": "辅助人员",
        "辅助检查人员": "辅助人员",
        "专家": "专家",
        "技术专家": "专家",
    },
    "gender": {"男": "男", "女": "女", "m": "男", "f": "女", "男性": "男", "女性": "女"},
    "state": {"注销": "注销", "已注销": "注销", "撤销": "撤销", "已撤销": "撤销"},
}

# 状态 of a person on a roster: who may be drawn (在岗) and who not (the roster keeps them all).
DUTY_DRAWABLE = ("在岗", "在职", "在编在岗", "在编", "正常")
DUTY_NOT_DRAWABLE = ("调离", "退休", "离岗", "借调", "离职", "病休", "停职", "长期病假", "不在岗", "挂职", "死亡")

# 名录类别 as the 名录 write them → the category kept on the object.
KEY_CATEGORY_ALIASES = {
    "水环境": "水环境",
    "水环境重点排污单位": "水环境",
    "水": "水环境",
    "大气环境": "大气环境",
    "大气环境重点排污单位": "大气环境",
    "大气": "大气环境",
    "土壤污染": "土壤污染",
    "土壤": "土壤污染",
    "土壤环境": "土壤污染",
    "土壤污染重点监管单位": "土壤污染",
    "土壤环境污染重点监管单位": "土壤污染",
    "声环境": "声环境",
    "声": "声环境",
    "噪声": "声环境",
    "声环境重点排污单位": "声环境",
    "地下水": "地下水",
    "地下水污染防治重点排污单位": "地下水",
    "地下水污染防治重点监管单位": "地下水",
    "环境风险": "环境风险",
    "环境风险重点管控单位": "环境风险",
    "环境风险重点监管单位": "环境风险",
    "其他": "其他",
    "其他重点排污单位": "其他",
}
assert set(KEY_CATEGORY_ALIASES.values()) <= set(KEY_UNIT_CATEGORIES)
