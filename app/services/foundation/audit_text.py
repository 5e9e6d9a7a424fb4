"""The audit log read as sentences: field labels in Chinese, changes as “状态：已录入 → 已审核”, people by name.

The log itself keeps the exact JSON (it is hashed and exported as it is); this module is how a screen shows an
entry to an auditor. Unknown fields are named as 其他字段, never by their internal name; passwords and keys are
never shown; long values (a whole rule set, a draw record) are summarised."""

from __future__ import annotations

import json
import re

FIELD_LABELS = {
    "action": "操作", "active": "启用", "added_at": "添加时间", "added_by": "添加人", "address": "地址",
    "air_grade": "空气质量等级", "algorithm": "抽取算法", "approved_by": "批准人", "authority": "机关",
    "avoid_usccs": "回避单位", "basis": "依据", "case_no": "立案编号", "category": "监管类别",
    "category_override": "人工归类", "cert": "证书", "cert_no": "执法证号", "chain_head": "链头哈希",
    "check_date": "检查日期", "code": "编号", "confirmed_at": "确认时间", "confirmed_by": "确认人",
    "contact": "联系人", "content": "内容", "count": "条数", "county_id": "县级单位", "created_at": "创建时间",
    "created_at_county": "县级生成时间", "created_by": "创建人", "credit_grade": "信用等级",
    "credit_risk": "信用风险", "current": "当前有效", "day": "日期", "decision_date": "决定日期",
    "department": "部门", "description": "说明", "determined_on": "结果认定日期", "display_name": "姓名",
    "draw_id": "抽取编号", "draw_type": "抽查类型", "drawn_at": "抽取时间", "effective_date": "生效日期",
    "end_date": "结束日期", "entered_at": "录入时间", "entered_by": "录入人", "entity": "对象",
    "entity_id": "编号", "expertise": "业务专长", "extra": "其他信息", "failed_attempts": "连续输错次数",
    "field": "字段", "filed_on": "备案日期", "filename": "文件名", "findings": "发现问题",
    "fingerprint": "快照指纹", "frequency": "频次", "frozen_at": "冻结时间", "gender": "性别",
    "header": "表头", "id_no": "身份证号", "imported_at": "导入时间", "imported_by": "导入人",
    "industry": "行业", "initiator": "发起科室", "inspector_id": "检查人员", "item_class": "事项类别",
    "item_ids": "抽查事项", "items": "抽查事项", "key": "项目", "key_fingerprint": "公钥指纹",
    "key_polluter": "重点排污单位", "kind": "类别", "last_login_at": "最近登录", "legal_rep": "法定代表人",
    "level": "级别", "locked_until": "锁定至", "method": "检查方式", "mode": "检查方式",
    "must_change_password": "须修改密码", "name": "名称", "new_value": "新值", "object_id": "检查对象",
    "office_name": "单位名称", "old_value": "原值", "on_duty": "在编在岗", "org": "单位",
    "outcome_id": "检查结果", "override_reason": "归类理由", "package_name": "报送包",
    "package_sha256": "报送包校验值", "parent_name": "上级单位", "partners": "联合科室", "penalty_amount": "罚款金额",
    "period": "期间", "permit_class": "排污许可管理类别", "permit_no": "排污许可证编号", "phone": "电话",
    "phrase": "结果用语", "plan_id": "抽查计划", "policy_id": "监管规则", "pollution_types": "污染类型",
    "position": "职务", "positive_list": "正面清单", "problem_found": "发现问题", "problems": "问题数",
    "publication_id": "公示批次", "publish_due": "公示期限", "published": "已公开", "published_on": "公示日期",
    "rank": "签序", "ratio": "抽查比例", "reason": "原因", "record": "抽取记录", "record_hash": "记录哈希",
    "rectify_deadline": "整改期限", "rectify_result": "整改复查结果", "rectify_verified_on": "整改复查日期",
    "region": "行政区域", "region_code": "行政区划代码", "registered_at": "登记时间", "registered_by": "登记人",
    "remark": "备注", "replaced_reason": "替换原因", "replacement_of_id": "替补对象", "result": "检查结果",
    "reviewed_at": "审核时间", "reviewed_by": "审核人", "role": "角色", "rules": "规则内容", "scope": "对象范围",
    "seed": "随机种子", "seed_source": "种子来源", "selection_id": "抽中对象", "size": "大小",
    "snapshot": "对象快照", "source": "来源", "source_file": "来源文件", "special_situations": "特殊情形",
    "start_date": "开始日期", "state": "状态", "stats": "统计数据", "status": "状态", "stored_path": "存放位置",
    "stratum": "分层", "subject": "主题", "summary": "摘要", "superseded_by_id": "被替代", "tags": "标签",
    "target": "目标", "task_code": "任务编号", "task_id": "抽查任务", "ticket": "签号", "title": "标题",
    "township": "乡镇", "transfer_to": "移交机关", "updated_at": "更新时间", "uscc": "统一社会信用代码",
    "user": "用户", "username": "用户名", "value": "值", "void_reason": "作废原因", "voided_at": "作废时间",
    "voided_by": "作废人", "witnesses": "见证人", "year": "年度", "years": "工作年限",
    "sha256": "校验值", "hash": "哈希", "prev_hash": "前一条哈希", "previous_hash": "前一条哈希",
    "doc_no": "文号", "issued_on": "发文日期", "issued_by": "发文人",
}  # fmt: skip
HIDDEN = {"password_hash", "signing_key_pem", "public_key_pem"}
SKIPPED = {"id", "seq"}
PERSON_FIELDS = {f for f in FIELD_LABELS if f.endswith("_by")} | {"user"}
NAMED_FIELDS = {"policy_id"}  # shown by the display name the caller passes in ``names`` (a preset's title)
LONG = 60


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, "其他字段")


def readable_summary(summary: str, names: dict[str, str] | None = None) -> str:
    """The hook's “修改字段：reviewed_at、state” with labels instead of field names; login names (``names``:
    username → person) replaced by the person's name."""

    def labels(m: re.Match) -> str:
        names = [n for n in m.group(1).split("、") if n]
        shown = []
        for n in names:
            label = field_label(n)
            if label not in shown:
                shown.append(label)
        return "修改字段：" + "、".join(shown)

    text = re.sub(r"修改字段：([A-Za-z0-9_、]+)", labels, summary or "")
    if names:
        text = re.sub(
            r"(?<![A-Za-z0-9_./:-])[A-Za-z0-9_.-]+(?![A-Za-z0-9_./-])",
            lambda m: names.get(m.group(0), m.group(0)),
            text,
        )
    return text


def value_text(field: str, value, names: dict[str, str] | None = None) -> str:
    if field in HIDDEN:
        return "（已隐藏）"
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field in NAMED_FIELDS and isinstance(value, str):
        return (names or {}).get(value, value)
    if field in PERSON_FIELDS and isinstance(value, str):
        if value.startswith("os:"):
            return f"命令行（本机用户 {value[3:]}）"
        return (names or {}).get(value, value)
    if isinstance(value, (dict, list)):
        if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            text = "、".join(str(v) for v in value)
            if len(text) <= LONG:
                return text or "（空）"
        return f"（内容较长，共 {len(value)} 项；导出审计日志可查看全文）"
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?", text):
        text = text[:19].replace("T", " ")
    return text if len(text) <= LONG else text[:LONG] + "……"


def _load(text: str | None):
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def change_lines(before_json: str | None, after_json: str | None, names: dict[str, str] | None = None) -> list[str]:
    """One sentence per field: “状态：已录入 → 已审核” (修改), “名称：…” (新增/删除)."""
    before, after = _load(before_json), _load(after_json)
    if not isinstance(before, dict) and not isinstance(after, dict):
        value = after if after is not None else before
        return [] if value is None else [f"内容：{value_text('', value, names)}"]
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    lines = []
    for field in [*before, *(k for k in after if k not in before)]:
        if field in SKIPPED:
            continue
        label = field_label(field)
        if field in before and field in after:
            if before[field] == after[field]:
                continue
            lines.append(
                f"{label}：{value_text(field, before[field], names)} → {value_text(field, after[field], names)}"
            )
        else:
            value = after[field] if field in after else before[field]
            lines.append(f"{label}：{value_text(field, value, names)}")
    return lines
