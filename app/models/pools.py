"""一单两库: the inspection-item list, the object pool, the inspector and expert pools."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

PERMIT_CLASSES = ("重点管理", "简化管理", "登记管理")
OBJECT_STATUSES = ("存续", "停产", "注销", "迁出")
CREDIT_GRADES = ("A", "B", "C", "D")
CREDIT_RISKS = ("低风险", "一般风险", "较高风险", "高风险")
AIR_GRADES = ("A", "B", "B-", "C", "D", "引领性")
INSPECTOR_KINDS = ("执法人员", "辅助人员", "专家")
PERMIT_STATES = ("有效", "注销", "撤销")  # 过期 is not stored: it follows from valid_to and the day
# 重点排污单位名录 categories as the 名录 publish them (环境监管重点单位名录管理办法, 2022)
KEY_UNIT_CATEGORIES = ("水环境", "大气环境", "土壤污染", "声环境", "地下水", "环境风险", "其他")


class InspectionItem(Base):
    """随机抽查事项清单 — one item of the year's inspection-item list."""

    __tablename__ = "inspection_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(40), default="")
    category: Mapped[str] = mapped_column(String(100), default="")  # 抽查类别
    name: Mapped[str] = mapped_column(String(300))  # 抽查事项
    target: Mapped[str] = mapped_column(String(300), default="")  # 检查对象
    content: Mapped[str] = mapped_column(Text, default="")  # 抽查内容
    item_class: Mapped[str] = mapped_column(String(20), default="")  # 事项类别 重点/一般检查事项
    method: Mapped[str] = mapped_column(String(100), default="")  # 检查方式
    subject: Mapped[str] = mapped_column(String(200), default="")  # 检查主体/实施层级
    basis: Mapped[str] = mapped_column(Text, default="")  # 检查依据
    ratio: Mapped[str] = mapped_column(String(100), default="")  # 抽查比例
    frequency: Mapped[str] = mapped_column(String(100), default="")  # 抽查频次
    remark: Mapped[str] = mapped_column(Text, default="")


class InspectionObject(Base):
    """检查对象 — one entry of the object pool (检查对象名录库), keyed by USCC."""

    __tablename__ = "inspection_object"
    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    # 单位名称: no index (nothing looks a name up; in a bulk import it cost a third of the insert)
    name: Mapped[str] = mapped_column(String(200))
    permit_no: Mapped[str] = mapped_column(String(60), default="")  # 排污许可证编号
    permit_class: Mapped[str] = mapped_column(String(10), default="")  # 排污许可管理类别
    key_polluter: Mapped[bool] = mapped_column(Boolean, default=False)  # 重点排污单位
    industry: Mapped[str] = mapped_column(String(100), default="")  # 行业类别
    pollution_types: Mapped[list] = mapped_column(JSON, default=list)  # 污染类型
    township: Mapped[str] = mapped_column(String(60), default="", index=True)  # 所属乡镇（街道）
    address: Mapped[str] = mapped_column(String(300), default="")
    legal_rep: Mapped[str] = mapped_column(String(60), default="")  # 法定代表人
    contact: Mapped[str] = mapped_column(String(60), default="")  # 联系人
    phone: Mapped[str] = mapped_column(String(40), default="")  # 联系电话
    status: Mapped[str] = mapped_column(String(10), default="存续", index=True)  # 状态
    positive_list: Mapped[bool] = mapped_column(Boolean, default=False)  # 正面清单
    credit_grade: Mapped[str] = mapped_column(String(4), default="")  # 信用等级 A/B/C/D
    credit_risk: Mapped[str] = mapped_column(String(10), default="")  # 信用风险等级
    air_grade: Mapped[str] = mapped_column(String(6), default="")  # 大气绩效等级
    special_situations: Mapped[list] = mapped_column(JSON, default=list)  # 特殊监管情形
    tags: Mapped[list] = mapped_column(JSON, default=list)  # 标签
    key_categories: Mapped[list] = mapped_column(JSON, default=list)  # 重点排污单位名录类别
    registration_date: Mapped[date | None] = mapped_column(Date, nullable=True)  # 成立日期（登记设立）
    # Manual classification override (supervision category) with its recorded reason.
    category_override: Mapped[str] = mapped_column(String(40), default="")
    override_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ObjectChange(Base):
    """名录库调整 — one change in an object's history (新增, 类型变更, 注销/迁出, 正面清单调整, 修改)."""

    __tablename__ = "object_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("inspection_object.id"), index=True)
    ts: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    effective_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    field: Mapped[str] = mapped_column(String(60), default="")
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    user: Mapped[str] = mapped_column(String(80), default="")
    source: Mapped[str] = mapped_column(String(300), default="")  # e.g. import file name


class ObjectPermit(Base):
    """排污许可证 / 排污登记 — one permit of an object (an enterprise may hold several).

    `state` is 有效 / 注销 / 撤销 (with `state_date` and `state_reason` from the platform's cancelled list);
    whether a valid permit has expired follows from `valid_to` and the day it is looked at."""

    __tablename__ = "object_permit"
    id: Mapped[int] = mapped_column(primary_key=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("inspection_object.id"), index=True)
    permit_no: Mapped[str] = mapped_column(String(60), unique=True)  # 许可证编号 / 登记编号
    permit_class: Mapped[str] = mapped_column(String(10), default="")  # 管理类别
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)  # 有效期限 from
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)  # 有效期限 to
    issued_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 发证日期
    issuer: Mapped[str] = mapped_column(String(200), default="")  # 发证机关
    state: Mapped[str] = mapped_column(String(10), default="有效")
    state_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    state_reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(300), default="")  # the file it came from
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Inspector(Base):
    """执法检查人员 / 辅助人员 / 专家 — one person of the inspector or expert pool."""

    __tablename__ = "inspector"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="执法人员")  # 人员类别
    cert_no: Mapped[str] = mapped_column(String(40), default="")  # 执法证号
    org: Mapped[str] = mapped_column(String(200), default="")  # 单位
    department: Mapped[str] = mapped_column(String(100), default="")  # 部门
    position: Mapped[str] = mapped_column(String(100), default="")  # 职务
    region: Mapped[str] = mapped_column(String(60), default="")  # 行政区域
    gender: Mapped[str] = mapped_column(String(4), default="")
    years: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 工作年限
    expertise: Mapped[list] = mapped_column(JSON, default=list)  # 业务专长
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)  # 在编在岗 (may be drawn)
    duty_status: Mapped[str] = mapped_column(String(20), default="")  # 状态 as the roster says: 在岗, 调离, 退休…
    avoid_usccs: Mapped[list] = mapped_column(JSON, default=list)  # 回避对象
    id_no: Mapped[str] = mapped_column(String(40), default="")  # 身份证号/工号 (dedup key when no cert)
    phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ColumnMapping(Base):
    """A remembered mapping of an unfamiliar column header to a canonical field."""

    __tablename__ = "column_mapping"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # objects | inspectors | experts | items
    header: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(60))
