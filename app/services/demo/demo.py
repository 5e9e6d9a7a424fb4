"""演示数据: a realistic synthetic county, seeded deterministically (`ssj --db PATH demo`).

Creates (if the database has no office) 示例县生态环境保护综合行政执法大队 with the accounts
admin/admin123, luru (录入员), shenhe (审核员), lingdao (领导) with password demo1234; then ≈1,500
objects with valid USCCs across 12 townships, ≈40 credentialed inspectors, ≈15 辅助人员/专家 and the 泽州
2024 事项清单 (附件2) for the current year. Refuses to run on a database whose pools are not empty, and on
a city office's database (the demo is a county).

Demo data only: the generator is `random.Random(seed)` — never used for a draw.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.cn import uscc as uscc_mod

from app.models.base import utcnow
from app.models.pools import InspectionItem, InspectionObject, Inspector, ObjectChange, ObjectPermit
from app.models.vocabulary import Role
from app.services.foundation import accounts, audit, permissions
from app.services.foundation import office as office_service
from app.services.foundation.context import current_user
from app.services.foundation.errors import UserError
from app.services.rules import plans, policies

OFFICE_NAME = "示例县生态环境保护综合行政执法大队"
REGION_CODE = "140525"
DEMO_USERS = (("luru", Role.CLERK, "张录入"), ("shenhe", Role.REVIEWER, "李审核"), ("lingdao", Role.LEADER, "王大队长"))
DEMO_PASSWORD = "demo1234"
ADMIN_PASSWORD = "admin123"
KEY_PASSPHRASE = "demo-baosong"  # 演示库的报送口令（SSJ_KEY_PASSPHRASE），写报送包时输入

TOWNSHIPS = (
    "城关镇",
    "东关镇",
    "南村镇",
    "北义城镇",
    "高都镇",
    "金村镇",
    "大东沟镇",
    "周村镇",
    "巴公镇",
    "川底乡",
    "柳树口镇",
    "山河镇",
)
BRANDS = (
    "鑫源",
    "华阳",
    "宏达",
    "晋丰",
    "泰昌",
    "永盛",
    "恒通",
    "兴旺",
    "瑞丰",
    "金鼎",
    "隆基",
    "天成",
    "富康",
    "长城",
    "润泽",
    "正大",
    "亿安",
    "凯达",
    "福瑞",
    "中兴",
    "德润",
    "广源",
    "恒昌",
    "顺达",
    "腾飞",
    "安泰",
    "利民",
    "佳美",
    "宝丰",
    "盛世",
    "东方",
    "新华",
    "同心",
    "红星",
    "三友",
    "四方",
    "百川",
    "嘉禾",
    "汇通",
    "宏图",
)
# (industry, trade word in names, pollution types, weight, air-relevant)
INDUSTRIES = (
    ("煤炭开采和洗选业", "煤业", ("废水", "固废"), 8, True),
    ("炼焦", "焦化", ("废气", "废水", "危废"), 3, True),
    ("水泥、石灰和石膏制造", "水泥", ("废气", "噪声"), 3, True),
    ("铸造及其他钢铁制品制造", "铸造", ("废气", "固废"), 8, True),
    ("化学原料和化学制品制造业", "化工", ("废水", "废气", "危废"), 6, True),
    ("汽车修理与维护", "汽车维修", ("危废", "废气"), 12, False),
    ("砖瓦、石材等建筑材料制造", "建材", ("废气", "噪声"), 10, True),
    ("农副食品加工业", "食品", ("废水",), 8, False),
    ("牲畜饲养", "养殖", ("废水", "固废"), 10, False),
    ("印刷和记录媒介复制业", "印刷", ("废气",), 4, True),
    ("金属表面处理及热处理加工", "表面处理", ("废水", "危废"), 4, False),
    ("电力、热力生产和供应业", "热电", ("废气", "固废"), 2, True),
    ("家具制造业", "家具", ("废气",), 4, True),
    ("非金属矿采选业", "石料", ("废气", "噪声"), 6, True),
    ("污水处理及其再生利用", "水务", ("废水",), 2, False),
    ("医药制造业", "制药", ("废水", "废气", "危废"), 2, True),
    ("加油站", "加油站", ("废气",), 8, True),
)
SPECIAL = ("上一季度被处罚", "挂牌督办", "群众反映强烈", "两高", "环境风险较高")
TAGS = ("园区企业", "涉VOCs", "涉危险化学品", "饮用水源保护区周边", "夜间施工")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "建国志强海涛晓明丽娟伟军文静红霞宏伟晓峰俊杰国庆秀英鹏飞雪梅东升子豪嘉怡浩然晨阳宇航佳琪欣怡"
EXPERTISE = ("大气", "水", "固废", "危废", "辐射", "噪声")
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# 泽州 2024 附件2 事项清单 (+ 抽查比例/频次 from 附件1).
ZEZHOU_ITEMS = (
    (
        "重点排污单位监督检查",
        "主要法定环境制度及污染防治措施落实情况",
        "重点排污单位",
        "重点检查事项",
        "现场检查",
        "25%",
        "4次/年",
    ),
    (
        "一般排污单位监督检查",
        "主要法定环境制度及污染防治措施落实情况",
        "非重点排污单位",
        "一般检查事项",
        "现场检查",
        "5%",
        "4次/年",
    ),
    (
        "特殊监管对象监督检查",
        "主要法定环境制度及污染防治措施落实情况",
        "特殊监管对象",
        "重点检查事项",
        "现场检查",
        "30%",
        "4次/年",
    ),
    (
        "核与辐射安全类监督检查",
        "对核技术利用单位的生产、销售、使用放射性同位素和射线装置放射性同位素行为的监督检查",
        "核技术利用单位",
        "重点检查事项",
        "资料核查、现场检查",
        "30%",
        "1次/年",
    ),
    (
        "排污许可监督检查",
        "无证排污，不按规定排污情况",
        "排污许可重点管理、简化管理单位",
        "重点检查事项",
        "资料核查、现场检查",
        "",
        "",
    ),
    ("排污登记监督检查", "排污登记表登记情况", "排污登记单位", "重点检查事项", "资料核查、现场检查", "", ""),
    (
        "突发环境事件应急预案监督检查",
        "突发环境事件应急预案备案及演练情况监督检查",
        "排污单位",
        "一般检查事项",
        "现场检查",
        "",
        "",
    ),
    (
        "碳排放权交易市场监督管理监督检查",
        "发电行业重点排放单位温室气体排放和碳排放配额清缴情况的检查",
        "发电行业重点排放单位",
        "重点检查事项",
        "现场检查",
        "",
        "",
    ),
    (
        "城镇污水处理设施污染防治情况监督检查",
        "城镇污水处理设施污染防治情况",
        "城镇污水处理厂",
        "重点检查事项",
        "现场检查",
        "100%",
        "1次/年",
    ),
    (
        "机动车排放检验机构监督检查",
        "机动车排放检验机构违规检测，出具虚假报告的检查",
        "机动车排放检验机构",
        "一般检查事项",
        "现场检查",
        "20%",
        "1次/年",
    ),
)
STREETS = ("工业园区", "东街", "西街", "南环路", "北环路", "村")
_BASIS_GENERAL = (
    "1.《环境保护法》第二十四条 2.《水污染防治法》第三十条 3.《大气污染防治法》第二十九条 "
    "4.《土壤污染防治法》第七十七条 "
    "5.《固体废物污染环境防治法》第二十六条 6.《环境噪声污染防治法》第二十一条 7.《环境影响评价法》第二十八条 "
    "8.《建设项目环境保护管理条例》第二十条等"
)
_BASIS = {
    3: "1.《环境保护法》第四十二条、第四十八条 2.《放射性污染防治法》 3.《放射性同位素与射线装置安全和防护条例》",
    4: "1.《中华人民共和国环境保护法》第四十五条 "
    "2.《排污许可管理条例》第二条、第二十五条、第三十条、第三十四条至第三十七条",
    5: "1.《排污许可管理条例》第二十四条、第四十三条 "
    "2.《国务院关于加强和规范事中事后监管的指导意见》（国发〔2019〕18号）",
    6: "1.《中华人民共和国环境保护法》第四十七条 2.《突发环境事件应急管理办法》（环境保护部令第34号）第十二条",
    7: "《碳排放权交易管理办法（试行）》第六条、第二十六条、第三十一条",
    8: "《水污染防治法》第五十条、第八十五条",
    9: "《大气污染防治法》第五十四条",
}


def _uscc(rng: random.Random, used: set[str]) -> str:
    while True:
        org = "MA" + "".join(rng.choice(_USCC_CHARS) for _ in range(7))
        body = "91" + REGION_CODE + org
        code = body + uscc_mod.calc_check_digit(body)
        if code not in used:
            used.add(code)
            return code


def _weighted(rng: random.Random, pairs):
    total = sum(w for _v, w in pairs)
    x = rng.uniform(0, total)
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


def _person_name(rng: random.Random, used: set[str]) -> str:
    while True:
        given = rng.choice([GIVEN[i : i + 2] for i in range(0, len(GIVEN) - 1, 2)])
        name = rng.choice(SURNAMES) + (given if rng.random() < 0.7 else given[0])
        if name not in used:
            used.add(name)
            return name


def build_objects(seed: int = 2026, n: int = 1500) -> list[dict]:
    """The synthetic object pool as plain rows (deterministic for a seed)."""
    rng = random.Random(seed)
    used_codes: set[str] = set()
    used_names: set[str] = set()
    weights = [(ind, ind[3]) for ind in INDUSTRIES]
    rows: list[dict] = []

    def name_for(town: str, trade: str, suffix: str = "有限公司") -> str:
        short = town[:-1] if town.endswith(("镇", "乡")) else town
        for _ in range(200):
            name = f"示例县{short}{rng.choice(BRANDS)}{trade}{suffix}"
            if name not in used_names:
                used_names.add(name)
                return name
        name = f"示例县{short}{rng.choice(BRANDS)}{trade}{len(used_names)}号{suffix}"
        used_names.add(name)
        return name

    special_units = (
        [("核技术利用（医用射线装置）", "医院", ("辐射", "废水", "危废"), "核技术利用单位")] * 6
        + [("核技术利用（工业探伤）", "无损检测", ("辐射",), "核技术利用单位")] * 3
        + [("危险废物治理", "环保科技", ("危废",), "危险废物经营单位")] * 4
        + [("环境卫生管理", "垃圾填埋场", ("废水", "固废", "废气"), "填埋场")] * 3
    )
    for i in range(n):
        town = TOWNSHIPS[i % len(TOWNSHIPS)] if i < len(TOWNSHIPS) else rng.choice(TOWNSHIPS)
        situations: list[str] = []
        if i < len(special_units):
            industry, trade, pollution, situation = special_units[i]
            situations.append(situation)
            name = name_for(town, trade, "" if trade in ("医院", "垃圾填埋场") else "有限公司")
            air_relevant = False
        else:
            industry, trade, pollution, _w, air_relevant = _weighted(rng, weights)
            name = name_for(town, trade)
        r = rng.random()
        permit_class = "重点管理" if r < 0.08 else ("简化管理" if r < 0.38 else "登记管理")
        key_polluter = (permit_class == "重点管理" and rng.random() < 0.6) or rng.random() < 0.004
        code = _uscc(rng, used_codes)
        if rng.random() < 0.05:
            situations.append(rng.choice(SPECIAL))
        if industry in ("炼焦", "水泥、石灰和石膏制造", "电力、热力生产和供应业") and rng.random() < 0.5:
            situations.append("两高")
        grade = _weighted(rng, [("A", 25), ("B", 55), ("C", 15), ("D", 5)])
        risk = {"A": "低风险", "B": _weighted(rng, [("低风险", 3), ("一般风险", 7)]), "C": "较高风险", "D": "高风险"}[
            grade
        ]
        air = ""
        if air_relevant and permit_class != "登记管理":
            air = _weighted(rng, [("A", 8), ("B", 30), ("B-", 20), ("C", 30), ("D", 10), ("引领性", 2)])
        s = rng.random()
        status = "停产" if s < 0.03 else ("注销" if s < 0.04 else ("迁出" if s < 0.045 else "存续"))
        tags = sorted({rng.choice(TAGS) for _ in range(rng.randint(0, 2))} if rng.random() < 0.15 else set())
        surname = rng.choice(SURNAMES)
        rows.append(
            dict(
                uscc=code,
                name=name,
                permit_no=code
                + f"{rng.randint(1, 3):03d}"
                + ("W" if permit_class == "登记管理" else ("P" if rng.random() < 0.8 else "V")),
                permit_class=permit_class,
                key_polluter=key_polluter,
                industry=industry,
                pollution_types=list(pollution),
                township=town,
                address=f"示例县{town}{rng.choice(STREETS)}{rng.randint(1, 199)}号",
                legal_rep=_person_name(rng, set()),
                contact=surname + rng.choice(("先生", "女士", "工")),
                phone=f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                status=status,
                positive_list=status == "存续" and grade == "A" and rng.random() < 0.4,
                credit_grade=grade,
                credit_risk=risk,
                air_grade=air,
                special_situations=situations,
                tags=tags,
            )
        )
    return rows


def build_inspectors(seed: int, objects: list[dict]) -> list[dict]:
    rng = random.Random(seed + 1)
    used: set[str] = set()
    people = []
    squads = ("执法一中队", "执法二中队", "执法三中队", "执法四中队", "法制审核科")
    for i in range(40):
        position = "大队长" if i == 0 else ("副大队长" if i < 3 else ("中队长" if i < 7 else "队员"))
        exp = sorted({rng.choice(EXPERTISE) for _ in range(rng.randint(1, 2))}, key=EXPERTISE.index)
        if i in (5, 17):
            exp = sorted(set(exp) | {"辐射"}, key=EXPERTISE.index)
        regions = [TOWNSHIPS[(i * 3 + k) % len(TOWNSHIPS)] for k in range(2)]
        avoid = [objects[rng.randrange(len(objects))]["uscc"] for _ in range(rng.randint(1, 2))] if i % 9 == 4 else []
        people.append(
            dict(
                name=_person_name(rng, used),
                kind="执法人员",
                cert_no=f"140525{i + 1:05d}",
                org=OFFICE_NAME,
                department=squads[0] if i < 3 else squads[(i - 3) % len(squads)],
                position=position,
                region="、".join(regions),
                gender="女" if rng.random() < 0.3 else "男",
                years=rng.randint(1, 30),
                expertise=exp,
                on_duty=i not in (33, 38),
                avoid_usccs=avoid,
                id_no="",
                phone=f"139{rng.randint(10000000, 99999999)}",
            )
        )
    orgs = (
        ("示例县环境监测站", "辅助人员", ("大气", "水")),
        ("示例县环境监测站", "辅助人员", ("噪声",)),
        ("省环境科学研究院", "专家", ("大气",)),
        ("市固体废物管理中心", "专家", ("固废", "危废")),
        ("市辐射环境监督站", "专家", ("辐射",)),
        ("示例县应急管理局", "辅助人员", ("危废",)),
        ("太原理工大学环境学院", "专家", ("水",)),
    )
    for j in range(15):
        org, kind, exp = orgs[j % len(orgs)]
        people.append(
            dict(
                name=_person_name(rng, used),
                kind=kind,
                cert_no="",
                org=org,
                department="监测科" if "监测" in org else "",
                position="工程师" if kind == "辅助人员" else "高级工程师",
                region="示例县",
                gender="女" if rng.random() < 0.4 else "男",
                years=rng.randint(3, 30),
                expertise=list(exp),
                on_duty=True,
                avoid_usccs=[],
                id_no=f"ZJ{j + 1:04d}",
                phone=f"137{rng.randint(10000000, 99999999)}",
            )
        )
    return people


def build_items(year: int) -> list[dict]:
    rows = []
    for n, (category, name, target, item_class, method, ratio, freq) in enumerate(ZEZHOU_ITEMS, 1):
        rows.append(
            dict(
                year=year,
                seq=n,
                code=f"ZZ-{year}-{n:02d}",
                category=category,
                name=name,
                target=target,
                content=name,
                item_class=item_class,
                method=method,
                subject="生态环境部门",
                basis=_BASIS.get(n - 1, _BASIS_GENERAL),
                ratio=ratio,
                frequency=freq,
                remark="",
            )
        )
    return rows


def create_demo(
    session: Session,
    *,
    seed: int = 2026,
    n_objects: int = 1500,
    today: date | None = None,
    key_passphrase: str | None = None,
) -> dict:
    """Fill an empty database with the demo county in the caller's transaction; returns counts.

    Allowed to a 管理员, or to anyone on a database without accounts (`ssj --db 新文件 demo`)."""
    with permissions.setup_grant(session):
        return _create_demo(session, seed=seed, n_objects=n_objects, today=today, key_passphrase=key_passphrase)


def _create_demo(
    session: Session, *, seed: int, n_objects: int, today: date | None, key_passphrase: str | None = None
) -> dict:
    today = today or date.today()
    n_obj = session.scalar(select(func.count(InspectionObject.id))) or 0
    n_ins = session.scalar(select(func.count(Inspector.id))) or 0
    if n_obj or n_ins:
        raise UserError(
            f"数据库中已有 {n_obj} 家检查对象、{n_ins} 名人员，不能再生成演示数据（以免与真实数据混在一起）。"
            "请用一个新的数据库文件运行 demo，例如：ssj --db 演示.sqlite3 demo"
        )
    created_office = False
    office = office_service.get_office(session)
    if office is not None and office.level != "county":
        raise UserError(
            f"“{office.name}”是市级单位的数据库，演示数据只能生成在县级单位的空数据库中（市级数据库只汇总各县的报送包）。"
            "请用一个新的数据库文件运行 demo，例如：ssj --db 演示.sqlite3 demo"
        )
    if office is None:
        office = office_service.init_office(
            session,
            name=OFFICE_NAME,
            level="county",
            region_code=REGION_CODE,
            admin="admin",
            admin_password=ADMIN_PASSWORD,
            key_passphrase=key_passphrase or KEY_PASSPHRASE,
        )
        for username, role, display in DEMO_USERS:
            accounts.create_user(session, username, role, DEMO_PASSWORD, display_name=display)
        created_office = True
    objects = build_objects(seed, n_objects)
    people = build_inspectors(seed, objects)
    items = build_items(today.year)
    now = utcnow()
    conn = session.connection()
    for row in objects:
        row["created_at"] = row["updated_at"] = now
    conn.execute(InspectionObject.__table__.insert(), objects)
    for p in people:
        p["created_at"] = p["updated_at"] = now
    conn.execute(Inspector.__table__.insert(), people)
    conn.execute(InspectionItem.__table__.insert(), items)
    ids = dict(conn.execute(select(InspectionObject.uscc, InspectionObject.id)).all())
    permits = [
        dict(object_id=ids[o["uscc"]], permit_no=o["permit_no"], permit_class=o["permit_class"], source="演示数据")
        for o in objects
        if o["permit_no"]
    ]
    if permits:
        conn.execute(ObjectPermit.__table__.insert(), permits)
    user = current_user()
    rng = random.Random(seed + 2)
    changes = []
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    for k, row in enumerate(objects):
        # Most objects entered the pool in earlier years; the last ~2% are this quarter's 新增.
        recent = k >= len(objects) - max(1, len(objects) // 50)
        day = (
            (quarter_start + timedelta(days=rng.randint(0, max(0, (today - quarter_start).days))))
            if recent
            else date(today.year - rng.randint(1, 3), rng.randint(1, 12), rng.randint(1, 28))
        )
        ts = datetime.combine(day, datetime.min.time()).replace(hour=9)
        changes.append(
            dict(
                object_id=ids[row["uscc"]],
                ts=ts,
                effective_date=day,
                kind="新增",
                field="",
                old_value="",
                new_value=row["name"],
                user=user,
                source="演示数据",
            )
        )
        if row["status"] in ("停产", "注销", "迁出"):
            sday = (
                quarter_start + timedelta(days=rng.randint(0, max(0, (today - quarter_start).days)))
                if rng.random() < 0.5
                else day + timedelta(days=rng.randint(30, 300))
            )
            sday = min(sday, today)
            changes.append(
                dict(
                    object_id=ids[row["uscc"]],
                    ts=datetime.combine(sday, datetime.min.time()).replace(hour=10),
                    effective_date=sday,
                    kind=row["status"],
                    field="status",
                    old_value="存续",
                    new_value=row["status"],
                    user=user,
                    source="演示数据："
                    + {"停产": "企业申报停产", "注销": "已办理工商注销", "迁出": "迁至外县"}[row["status"]],
                )
            )
    for row in rng.sample(objects, min(12, len(objects))):
        if row["permit_class"] == "简化管理":
            changes.append(
                dict(
                    object_id=ids[row["uscc"]],
                    ts=datetime.combine(today, datetime.min.time()).replace(hour=11),
                    effective_date=today,
                    kind="类型变更",
                    field="permit_class",
                    old_value="登记管理",
                    new_value="简化管理",
                    user=user,
                    source="演示数据：重新申领排污许可证",
                )
            )
        elif row["positive_list"]:
            changes.append(
                dict(
                    object_id=ids[row["uscc"]],
                    ts=datetime.combine(today, datetime.min.time()).replace(hour=11),
                    effective_date=today,
                    kind="正面清单调整",
                    field="positive_list",
                    old_value="否",
                    new_value="是",
                    user=user,
                    source="演示数据：纳入监督执法正面清单",
                )
            )
    conn.execute(ObjectChange.__table__.insert(), changes)
    result = {
        "office": office.name,
        "created_office": created_office,
        "objects": len(objects),
        "inspectors": sum(1 for p in people if p["kind"] == "执法人员"),
        "experts": sum(1 for p in people if p["kind"] != "执法人员"),
        "items": len(items),
        "year": today.year,
        "seed": seed,
        "users": [u for u, _r, _d in DEMO_USERS] if created_office else [],
        "policy": "",
        "plans": "",
    }
    audit.record(
        session,
        "演示数据",
        "inspection_object",
        "",
        summary=f"生成演示数据：检查对象 {result['objects']}，执法人员 {result['inspectors']}，"
        f"专家 {result['experts']}，"
        f"事项 {result['items']}（种子 {seed}）",
        after={k: v for k, v in result.items() if k != "users"},
    )
    audit.seal(session, "inspector")  # the people were written in bulk too
    session.flush()
    result["policy"] = _set_policy(session)
    result["plans"] = _plans_demo(session, today)
    return result


def _set_policy(session: Session) -> str:
    policies.set_policy(session, "zezhou-2024")
    return "zezhou-2024"


def _plans_demo(session: Session, today: date) -> str:
    return plans.create_demo_plans(session, today) or "已生成"


def describe(result: dict) -> str:
    lines = [
        f"已生成演示数据（{result['office']}）：",
        f"  检查对象 {result['objects']} 家，执法人员 {result['inspectors']} 名，辅助人员/专家 {result['experts']} 名，"
        f"{result['year']} 年抽查事项 {result['items']} 项。",
    ]
    if result.get("created_office"):
        lines.append(
            f"  账户：admin / {ADMIN_PASSWORD}（管理员）；"
            + "、".join(f"{u}（{r}）" for u, r, _d in DEMO_USERS)
            + f" 的密码均为 {DEMO_PASSWORD}；报送口令为 {result.get('key_passphrase_note') or KEY_PASSPHRASE}。"
        )
    if result.get("policy"):
        lines.append(f"  规则预设：{result['policy']}")
    if result.get("plans"):
        lines.append(f"  抽查计划：{result['plans']}")
    return "\n".join(lines)
