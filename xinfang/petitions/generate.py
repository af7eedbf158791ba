"""造数：按模板生成逼真的交警信访事项，供演示数据与百万级基准使用（`xinfang generate`）。

每件事项沿转换表（workflow.TRANSITIONS）走到一个目标状态：事件、日期、交办、期限列都与
应用自己办理时写下的一致；期限用与 clocks.recompute 相同的规则算出（按起算日缓存）。
文本全部由下面的模板与随机的地点、号牌、日期、金额拼成，不取自任何真实信访数据。

为了速度，不经 ORM 逐行保存：先读各表最大 id 预分配 id，再按批写入
（SQLite 用 executemany，PostgreSQL 用 COPY），每批一个事务。同一 seed 生成的内容相同。
处理、复查、复核意见各写一行 ``Opinion``（作出机关按 ``organs`` 的规则：处理意见为牵头单位所属机关，
复查为其上一级机关，复核为复查机关的上一级机关，系统外的按名称记），连同送达（方式、日期、凭证，
另有一条"登记送达"事件）、复查与复核请求（``AppealRequest``）和支持意见的落实事项（``ExecutionItem``，
已办结的记为已落实）；事件详情按 ``events`` 里同一种构造的键写，指向这些行。
不生成文书文件与审计记录：它们记录的是真人的操作，造出来的数据没有真人操作可记。
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import random
import sys
import time
import traceback
from bisect import bisect_right
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from operator import mul
from queue import Empty, Full
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction

from xinfang.core import clock
from xinfang.core.calendar import current_calendar
from xinfang.org.demo import seed_demo
from xinfang.org.models import Department, DepartmentKind, Staff

from . import case_numbers, clocks, deadlines, organs, search
from .actions.config import DEFAULT_CATEGORIES, ensure_default_categories
from .models import (
    AppealRequest, Assignment, AssignmentRole, Category, Channel, DeliveryMethod, ExecutionItem, Matter, MatterEvent,
    Opinion, OpinionKind, Outcome, Petition, PetitionPetitioner, Petitioner, PetitionerKind, Remedy, ReviewOutcome,
    Status as S,
)
from .workflow import FINISHED_STATES, TRANSITIONS

HORIZON_DAYS = 5 * 365  # 收到日期分布在最近约五年
# 收到日期的分布（每天的相对件数）：每年增长约 5 %，一年一个季节起伏（±12 %，夏季多），休息日（周末、法定假日，
# 按工作日历）只有工作日的三成。事项先定收到之日，再定走到哪一步：近期收到的多半在办，早收到的多半已办结，
# 于是各周的件数只随趋势、季节与节假日变（以前先定状态、在办事项一律放在最近几周，最后两个月的周件数涨到三倍，
# 上升检测在每条序列上都报警）。
GROWTH_PER_YEAR = 0.05
SEASON_AMPLITUDE = 0.12
REST_DAY_SHARE = 0.3
REPEAT_MEAN_DAYS = 30  # 同一信访人再来距首次收到的平均天数（指数分布）
BACKLOG_SHARE = 0.1  # 在办事项中压了很久（超出正常停留 5–150 天）的比例
# 真的局部上升：每年约两次，某个大队或中队的某一类诉求在 2–4 周里多出几倍（一个路口、一项新规），
# 最后一次正在发生（始于最近三周内），让演示库的上升检测有一两条真报警可看。
EPISODES_PER_YEAR = 2
EPISODE_SHARE = 0.012  # 落在这些上升里的事项占比

# -- 文本模板 ------------------------------------------------------------------------------
# 每类：权重、类别（上级, 本级）、事由、内容、诉求、可分流的法定途径、可转送的机关。{槽} 由 _Slots 随机填充。
# "电子警察""扣车""事故认定""扣分""酒驾""违停""民警"等词必须出现在相应内容里：基准按这些词检索。
TEMPLATES = (
    dict(weight=14, category=("交通违法处理", "电子警察抓拍"),
         titles=("对电子警察抓拍{violation}有异议", "车辆{plate}被电子警察抓拍{violation}申诉"),
         bodies=("本人驾驶{car}（车牌号{plate}）于{when}途经{road}与{road2}交叉口，被电子警察抓拍{violation}，"
                 "罚款{fine}元、记{points}分。当时{excuse}，并非故意违法。",
                 "{when}，我的车{plate}在{road}被电子警察抓拍为{violation}。我查看了抓拍照片，{camera_issue}，"
                 "认为抓拍结果有误，到窗口反映后一直没有结果。"),
         requests=("请求撤销该违法记录，退还罚款并恢复记分。", "请求调取抓拍视频复核，依法撤销处罚。"),
         divert="camera_violation_objection"),
    dict(weight=12, category=("事故处理", "事故认定"),
         titles=("对{road}交通事故认定不服", "事故认定书认定责任不公"),
         bodies=("{when}，本人驾驶{car}在{road}与对方车辆{plate2}发生碰撞。{brigade}出具的事故认定书认定我负{duty}，"
                 "但对方{other_fault}，现场监控可以证明，事故认定没有采信。",
                 "我家人{when}在{road}骑{bike}被车牌号{plate}的{car}撞伤，住院{days}天。事故认定认定双方同等责任，"
                 "我们认为肇事车辆{other_fault}，应负主要责任。"),
         requests=("请求重新调查，依法撤销事故认定书并重新作出认定。", "请求公开现场监控和鉴定意见，重新认定责任。"),
         divert="accident_review"),
    dict(weight=10, category=("车辆管理", "扣留车辆"),
         titles=("扣车后长期不放车", "对{brigade}扣车有异议"),
         bodies=("{when}，我的{car}（{plate}）因{impound_reason}被{brigade}扣车，已经过去{days}天，违法已经处理完毕，"
                 "{lot}仍以手续不全为由不放车，每天还收停车费{fee}元。",
                 "民警在{road}检查时把我的{car}{plate}扣车，说是{impound_reason}。我提供了全部手续，扣车至今{days}天，"
                 "车里有我做生意的货物，损失很大。"),
         requests=("请求尽快放还车辆并免除扣车期间的停车费。", "请求说明扣车依据，依法返还车辆，赔偿损失。")),
    dict(weight=8, category=("交通违法处理", "记分"),
         titles=("驾驶证被错误扣分", "对扣分有异议"),
         bodies=("我的驾驶证在{when}被扣{points}分，记录显示是{plate}在{road}{violation}，但那天我人在外地出差，"
                 "这辆车也不是我的，扣分明显有误。",
                 "本人驾驶证本周期已被扣{points}分，其中一起是{road}的{violation}，当时车辆已经借给朋友并办了手续，"
                 "不应由我承担扣分。"),
         requests=("请求核实后撤销错误扣分。", "请求按实际驾驶人处理，恢复我的驾驶证记分。")),
    dict(weight=7, category=("驾驶人管理", "驾驶证业务"),
         titles=("驾驶证{licence_task}办理难", "反映车管所{licence_task}问题"),
         bodies=("我于{when}到{office_hall}办理驾驶证{licence_task}，材料齐全，但窗口以{licence_excuse}为由不予办理，"
                 "前后跑了{times}次都没办成。",
                 "网上预约驾驶证{licence_task}一直显示已满，到{office_hall}现场又说必须网上预约，{licence_excuse}，"
                 "耽误了工作。"),
         requests=("请求尽快为我办理，并说明需要的全部材料。", "请求改进预约方式，一次告知办理要求。")),
    dict(weight=8, category=("执法作风", "民警态度"),
         titles=("反映执勤民警态度粗暴", "对民警（警号{officer}）执法方式不满"),
         bodies=("{when}在{road}，执勤民警（警号{officer}）查车时态度恶劣，{conduct}，当时周围很多人都看到了。",
                 "我在{brigade}窗口办理事故处理时，民警{officer}{conduct}，问了几次都不理人，服务态度很差。"),
         requests=("请求调查处理该民警，并向我道歉。", "请求查看执法记录仪视频，依法处理。"),
         officer=True),
    dict(weight=9, category=("交通违法处理", "违法停车"),
         titles=("对违停贴条处罚有异议", "{road}违停处罚不合理"),
         bodies=("{when}我把车{plate}停在{road}{parking_spot}，被贴了违停罚单，罚款{small_fine}元。{parking_issue}。",
                 "我在{road}附近接送孩子，临时停车不到五分钟就被贴违停罚单。{parking_issue}，希望交警理解。"),
         requests=("请求撤销该违停处罚。", "请求在该路段增设临时停车位或设置明显标志。")),
    dict(weight=6, category=("酒驾醉驾", "酒驾处理"),
         titles=("对酒驾认定有异议", "不服酒驾处罚"),
         bodies=("{when}夜间在{road}检查时，民警对我呼气检测显示{alcohol}mg/100ml，认定我酒驾，暂扣驾驶证并罚款。"
                 "我当晚没有喝酒，只喝了{drink}，且没有按规定进行血液检测。",
                 "我因酒驾被处罚，但检测时{test_issue}，程序不合法，处罚决定书也没有当场送达给我。"),
         requests=("请求复核检测结果，撤销酒驾处罚。", "请求依法重新处理，返还驾驶证。"),
         divert="administrative_reconsideration"),
    dict(weight=5, category=("车辆管理", "登记检验"),
         titles=("车辆{vehicle_task}业务办理不顺", "反映{vehicle_task}问题"),
         bodies=("我的{car}{plate}办理{vehicle_task}时，{vehicle_issue}，已经来回跑了{times}次。",
                 "二手车过户时系统显示该车{vehicle_issue}，导致无法办理{vehicle_task}，卖家已经联系不上。"),
         requests=("请求查明原因，尽快办理。", "请求一次性告知需要补充的材料。")),
    dict(weight=5, category=("事故处理", "事故赔偿"),
         titles=("交通事故赔偿调解不成", "肇事方拒不赔偿"),
         bodies=("{when}发生的交通事故，对方车辆{plate2}负全部责任，但对方和保险公司至今未赔付医疗费{amount}元，"
                 "交警组织调解时对方没有到场。",),
         requests=("请求交警督促对方赔偿。", "请求协调保险公司尽快理赔。"),
         divert="civil_litigation"),
    dict(weight=4, category=("道路设施", "信号灯与标线"),
         titles=("{road}信号灯配时不合理", "{road}标线不清导致误罚"),
         bodies=("{road}与{road2}路口的信号灯{signal_issue}，每天早晚高峰排队很长，多次反映没有改善。",
                 "{road}的导向标线{marking_issue}，很多车辆因此被电子警察抓拍，希望尽快重新施划。"),
         requests=("请求优化信号灯配时。", "请求重新施划标线，并复核该路段的抓拍记录。"),
         transfer="示范市城市管理局"),
    dict(weight=5, category=("事故处理", "处理时限"),
         titles=("交通事故处理久拖不决", "事故处理超期未结"),
         bodies=("{when}在{road}发生的交通事故，至今已经{days}天，{brigade}一直说在等鉴定结果，事故认定书迟迟没有出具。",),
         requests=("请求尽快出具事故认定书。", "请求说明处理进度和原因。")),
    dict(weight=4, category=("车辆管理", "电动自行车"),
         titles=("电动自行车被扣", "电动自行车上牌难"),
         bodies=("我的{bike}{when}在{road}因{ebike_reason}被交警扣车，我每天靠它送外卖，扣车后没法工作。",
                 "新买的{bike}到{office_hall}上牌，被告知{ebike_reason}，商家说符合国标，来回跑了{times}次。"),
         requests=("请求放还电动自行车。", "请求明确上牌标准，为我办理登记。")),
    dict(weight=3, category=("交通违法处理", "罚款缴纳"),
         titles=("违法罚款滞纳金有异议", "罚款缴纳后记录未消除"),
         bodies=("我在{when}已经通过网上缴纳了罚款{fine}元，但违法记录仍显示未处理，年检时又被要求缴纳滞纳金{small_fine}元。",),
         requests=("请求核实缴款记录，免除滞纳金。",)),
    dict(weight=3, category=("货运管理", "通行证"),
         titles=("货车通行证办理难", "货车限行处罚有异议"),
         bodies=("我们是{company}的货车司机，{truck_issue}，每个月被罚{fine}元以上，生计困难。",),
         requests=("请求放宽货车通行证办理条件。", "请求撤销限行时段内的处罚。"),
         collective=0.25),
)

CATEGORY_TREE = DEFAULT_CATEGORIES

WORDS = dict(
    road=("人民路", "解放路", "建设大道", "中山路", "五一大道", "东风路", "新华路", "滨江路", "迎宾路", "长江路", "黄河路",
          "和平路", "光明街", "金星路", "银杉路", "科技大道", "环城北路", "机场高速连接线", "枫林路", "学府路", "车站北路"),
    car=("小型轿车", "小型普通客车", "重型半挂牵引车", "轻型厢式货车", "两轮摩托车", "出租车", "网约车"),
    bike=("电动自行车", "电动三轮车"),
    violation=("闯红灯", "不按导向车道行驶", "压实线变道", "超速行驶", "未礼让斑马线行人", "违反禁令标志", "占用应急车道"),
    excuse=("前方有救护车鸣笛，为其让行才越过停止线", "信号灯故障，一直黄灯闪烁", "前车突然急刹，为避免追尾",
            "导向箭头被施工围挡遮挡看不清", "交警现场指挥通行"),
    camera_issue=("照片中的车型和颜色与我的车不一致，疑似套牌", "照片显示车辆越线时还是绿灯", "该路口标线刚调整且没有任何提示"),
    duty=("主要责任", "全部责任", "同等责任"),
    other_fault=("超速行驶", "逆行", "酒后驾驶", "未按规定让行", "驾驶时使用手机"),
    impound_reason=("涉嫌非法营运", "未按期检验", "号牌被遮挡", "涉嫌改装", "事故待处理"),
    lot=("城东停车场", "高新区事故车辆停放场", "江南停车场", "北湖停车场"),
    licence_task=("换证", "补证", "满分学习", "考试预约", "体检信息上传"),
    licence_excuse=("系统故障", "体检信息未同步", "需要户籍地开具证明", "照片不合格"),
    office_hall=("车管所", "城东车管服务站", "高新区交警服务大厅", "政务服务中心交警窗口"),
    conduct=("说话带有侮辱性语言", "拒绝出示证件", "推搡当事人", "不听解释直接开罚单", "在窗口玩手机"),
    parking_spot=("路边白线车位内", "小区门口", "医院门口临时停车区", "人行道旁"),
    parking_issue=("该路段没有设置禁停标志", "白线车位是城管施划的，交警却说违停", "我一直在车内，随时可以开走"),
    drink=("藿香正气水", "含酒精的漱口水", "一杯酒酿"),
    alcohol=("22", "35", "48", "61", "79"),
    test_issue=("吹气设备没有当场校准", "民警没有告知可以要求血液检测", "检测时没有执法记录仪录像"),
    vehicle_task=("过户", "年检", "转籍", "抵押登记", "补领行驶证"),
    vehicle_issue=("有未处理的违法记录", "被法院查封", "发动机号与登记不符", "系统登记信息有误"),
    ebike_reason=("不符合新国标", "未悬挂号牌", "载人", "逆行"),
    signal_issue=("左转绿灯只有十几秒", "夜间不按需切换", "直行和左转冲突"),
    marking_issue=("磨损严重", "新旧标线重叠", "被施工覆盖"),
    company=("示范市顺达物流有限公司", "城东建材运输队", "示范市宏运货运公司"),
    truck_issue=("通行证每次只批一个月，办证要跑好几个部门", "限行时段调整没有提前公告"),
    brigade=("一大队", "二大队", "三大队", "事故处理中队"),
    follow=("至今没有答复", "对处理结果不满意", "希望尽快处理", "问题仍然没有解决"),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文斌玉梅海燕小龙晓东春雨子涵思远浩然"
DISTRICTS = ("城东区", "城西区", "高新区", "经开区", "江南区", "北湖区")
REGION_CODES = ("430102", "430103", "430104", "430105", "430111", "430121", "430181", "431002", "430602", "360102", "420106")
PROVINCES = "湘湘湘湘湘粤鄂赣黔桂川渝"
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
AUTHORITIES = ("示范市城市管理局", "示范市交通运输局", "示范市住房和城乡建设局", "示范市市场监督管理局")
DECLINES = (("不属于公安交通管理部门职权范围", "请向人民法院提起民事诉讼"),
            ("已经或者依法应当通过诉讼、仲裁、行政复议解决", "请按照行政复议决定书告知的途径办理"),
            ("同一事项正在办理期间重复提出", "请等待原事项的答复"))
REPLIES = {
    Outcome.SUPPORT: "经调查核实，您反映的问题属实。{remedy}感谢您对交通管理工作的监督。",
    Outcome.REJECT: "经调查，该执法行为事实清楚、证据确实、程序合法，您的请求不予支持。",
    Outcome.EXPLAIN: "经调查，现将相关法律规定和办理流程向您解释说明如下：该事项已依法处理，如仍有异议可依法申请复查。",
}
CHANNELS = ((Channel.LETTER, 15), (Channel.VISIT, 25), (Channel.PHONE, 15), (Channel.ONLINE, 30),
            (Channel.LEADER_MAILBOX, 5), (Channel.SUPERIOR, 5), (Channel.REFERRAL, 5))
# 目标状态的分布：五年存量，绝大多数已办结或已分流；在办的集中在最近几个月。
TARGETS = ((S.CLOSED, 620), (S.TERMINATED, 10), (S.DECLINED, 60), (S.TRANSFERRED, 70), (S.DIVERTED, 100),
           (S.REGISTERED, 12), (S.ACCEPTED, 4), (S.ASSIGNED, 6), (S.IN_PROGRESS, 40), (S.HEARING, 2),
           (S.REPLY_DRAFTED, 8), (S.REPLIED, 20), (S.REVIEWING, 4), (S.REVIEWED, 4), (S.RE_REVIEWING, 2),
           (S.RE_REVIEW_HEARING, 1))
# 在某状态已停留的天数（不含"积压"）：在办事项多数尚未超期。
DWELL = {S.REGISTERED: 13, S.ACCEPTED: 3, S.ASSIGNED: 4, S.HEARING: 20, S.REPLY_DRAFTED: 4, S.REPLIED: 25,
         S.REVIEWING: 25, S.REVIEWED: 25, S.RE_REVIEWING: 25, S.RE_REVIEW_HEARING: 15}
NUMBERS = {
    "fine": (100, 150, 200, 500, 1000, 2000), "small_fine": (50, 100, 150, 200), "points": (1, 3, 6, 9, 12),
    "days": range(7, 121), "fee": (10, 20, 30), "times": range(2, 7), "amount": range(3000, 200_001, 1000),
    "officer": range(100000, 1_000_000),
}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CN_DATE = "{0.year}年{0.month}月{0.day}日"


class _Rand(random.Random):
    """random.Random 加几个快捷方法：randint/choice 在 CPython 里要经好几层调用，造百万行时是大头。"""

    def between(self, lo: int, hi: int) -> int:
        return lo + int(self.random() * (hi - lo + 1)) if hi > lo else lo

    def pick(self, seq):
        return seq[int(self.random() * len(seq))]

    def weighted(self, seq, cumulative: list[float]):
        return seq[bisect_right(cumulative, self.random() * cumulative[-1])]


def _cumulative(weights) -> list[float]:
    return list(accumulate(weights))


class _Slots(dict):
    """模板里的 {槽}：用到哪个才随机生成哪个，同一件事项内同名的槽取值一致。"""

    def __init__(self, rng: _Rand, received: date):
        super().__init__()
        self.rng, self.received = rng, received

    def __missing__(self, key: str) -> str:
        r = self.rng
        if key in WORDS:
            value = r.pick(WORDS[key])
        elif key == "road2":
            value = r.pick([w for w in WORDS["road"] if w != self["road"]])
        elif key in ("plate", "plate2"):
            value = r.pick(PROVINCES) + r.pick("ABCDE") + "".join([r.pick(PLATE_CHARS) for _ in range(5)])
        elif key == "when":
            value = _CN_DATE.format(self.received - timedelta(days=r.between(3, 60)))
        else:
            value = str(r.pick(NUMBERS[key]))
        self[key] = value
        return value


def id_number(r: _Rand) -> str:
    """一个格式、出生日期与校验位都正确的 18 位居民身份证号码（GB 11643）。"""
    born = date.fromordinal(_BORN_FROM + r.between(0, 54 * 365))
    body = f"{r.pick(REGION_CODES)}{born.year}{born.month:02d}{born.day:02d}{r.between(0, 999):03d}"
    return body + "10X98765432"[sum(map(mul, map(int, body), _ID_WEIGHTS)) % 11]


def credit_code(r: _Rand) -> str:
    """一个校验位正确的统一社会信用代码（GB 32100）。"""
    body = "91" + r.pick(REGION_CODES) + "".join([r.pick("0123456789ABCDEF") for _ in range(9)])
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


_BORN_FROM = date(1950, 1, 1).toordinal()


@dataclass
class Summary:
    matters: int = 0
    petitions: int = 0
    petitioners: int = 0
    events: int = 0
    assignments: int = 0
    opinions: int = 0
    seconds: float = 0.0


class _Table:
    """一张表的待写行。`names` 是本模块填写的字段；模型后来新增的字段取其默认值（没有默认值就报错）。"""

    def __init__(self, model, names: tuple[str, ...]):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.model, self.table = model, model._meta.db_table
        self.columns = [fields[n].column for n in names]
        tail = []
        for attname, f in fields.items():
            if attname in names:
                continue
            if f.has_default():
                tail.append(f.get_db_prep_save(f.get_default(), connection))
            elif not f.null:
                raise RuntimeError(f"{model.__name__}.{attname} 是新增的必填字段，请在 petitions/generate.py 中生成它")
            else:
                tail.append(None)
            self.columns.append(f.column)
        self.tail = tuple(tail)
        self.rows: list[tuple] = []

    def write(self, cursor) -> None:
        rows, self.rows = self.rows, []
        if self.tail:
            rows = [row + self.tail for row in rows]
        if not rows:
            return
        columns = ", ".join(self.columns)
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(self.columns))
            cursor.executemany(f"INSERT INTO {self.table} ({columns}) VALUES ({marks})", rows)


class _Deadlines:
    """与 clocks.recompute 相同的期限计算，按（规则，起算日，天数）缓存：百万件事项只有几千种组合。"""

    def __init__(self):
        self.calendar, self.limits, self.cache = current_calendar(), settings.DEADLINE_LIMITS, {}

    def _due(self, fn, start, *extra):
        if start is None:
            return None
        key = (fn, start, *extra)
        hit = self.cache.get(key)
        if hit is None:
            kwargs = {k: v for k, v in zip(("paused_days", "extension_days"), extra) if v is not None}
            hit = self.cache[key] = fn(start, calendar=self.calendar, limits=self.limits, **kwargs)
        return hit

    def apply(self, m) -> None:
        """按 m 的状态与起算日期写上各期限列，含 current_due 与 due_provisional（同 clocks.recompute）。"""
        dues = (
            self._due(deadlines.acceptance_due, m.received_on),
            # 办理期间的听证不停办理期限（第三十四条）：中止天数不传。
            self._due(deadlines.handling_due, m.accepted_on, None, m.extension_days),
            self._due(deadlines.review_request_closes, m.reply_delivered_on),
            self._due(deadlines.review_due, m.review_requested_on),
            self._due(deadlines.re_review_request_closes, m.review_delivered_on),
            self._due(deadlines.re_review_due, m.re_review_requested_on, m.re_review_paused_days),
        )
        (m.acceptance_due, m.handling_due, m.review_request_closes, m.review_due, m.re_review_request_closes,
         m.re_review_due) = (d.day if d else None for d in dues)
        m.current_due = clocks.current_due(m)
        names = ("acceptance_due", "handling_due", "review_request_closes", "review_due", "re_review_request_closes",
                 "re_review_due")
        m.provisional_dues = ",".join(name for name, d in zip(names, dues) if d and d.provisional)
        m.due_provisional = clocks.current_clock(m) in m.provisional_dues.split(",")


class _M:
    """生成中的一件事项：只有算期限需要的属性。"""

    __slots__ = ("status", "received_on", "accepted_on", "extension_days", "paused_days", "reply_delivered_on",
                 "review_requested_on", "review_delivered_on", "re_review_requested_on", "re_review_paused_days",
                 "acceptance_due", "handling_due", "review_request_closes", "review_due", "re_review_request_closes",
                 "re_review_due", "current_due", "due_provisional", "provisional_dues")


MATTER = ("id", "number", "title", "summary", "requests", "category_id", "department_id", "has_co_assignment",
          "handler_id", "status",
          "version", "is_collective", "is_skip_level", "petition_count", "received_on", "accepted_on", "extension_days",
          "paused_days", "hearing_started_on", "reply_delivered_on", "review_requested_on", "review_delivered_on",
          "re_review_requested_on", "re_review_paused_days", "closed_on", "acceptance_due", "handling_due",
          "review_request_closes", "review_due", "re_review_request_closes", "re_review_due", "current_due",
          "due_provisional", "provisional_dues", "outcome", "reply_text", "remedy_compensation", "remedy_apology", "remedy_correction",
          "disposal", "registered_by_id", "created_at", "updated_at", "deciding_organ_id")
PETITION = ("id", "matter_id", "channel", "received_at", "content", "requests", "involved_department_id",
            "involved_officer", "case_numbers", "head_count", "is_collective", "is_skip_level", "is_repeat",
            "registered_by_id", "created_at")
CASE_NUMBERS = PETITION.index("case_numbers")
# 身份证号、电话、地址按模型的加密字段写成密文与盲索引（_Generator._sealed），与 ORM 保存的一致。
PETITIONER = ("id", "kind", "name", "id_number", "id_number_index", "phone", "phone_index", "address", "created_at")
LINK = ("id", "petition_id", "petitioner_id", "is_representative")
ASSIGNMENT = ("id", "matter_id", "department_id", "role")
EVENT = ("id", "matter_id", "at", "actor_id", "action", "from_status", "to_status", "reason", "data")
OPINION = ("id", "matter_id", "kind", "request_id", "deciding_organ_id", "external_organ", "review_outcome", "decision",
           "text", "remedy_compensation", "remedy_apology", "remedy_correction", "decided_on", "delivered_on",
           "delivery_method", "delivery_proof", "created_by_id", "created_at")
APPEAL = ("id", "matter_id", "kind", "requested_on", "reason", "window_closes", "window_provisional", "is_late",
          "deciding_organ_id", "external_organ", "created_at")
EXECUTION = ("id", "matter_id", "opinion_id", "remedy", "department_id", "done_on", "evidence", "done_by_id",
             "created_at")
# 上一级机关不在系统内且部门上没填名称时，请求里记的名称（与 appeals._register 相同）。
UNNAMED_SUPERIOR = "上一级机关（未在系统中登记，请管理员在部门中填写系统外的上级机关）"
OPINION_ACTIONS = {"approve_reply": OpinionKind.REPLY, "issue_review": OpinionKind.REVIEW,
                   "issue_re_review": OpinionKind.RE_REVIEW}
REQUEST_ACTIONS = {"request_review": OpinionKind.REVIEW, "request_re_review": OpinionKind.RE_REVIEW}
DELIVERY = ((DeliveryMethod.IN_PERSON, "当面签收"), (DeliveryMethod.POST, "挂号信回执"))
EXECUTION_EVIDENCE = {Remedy.COMPENSATION: "赔偿款已转账，信访人签收", Remedy.APOLOGY: "已当面赔礼道歉，信访人签字确认",
                      Remedy.CORRECTION: "已撤销原处理决定并更正系统记录"}
# 各动作由谁做：登记类由登记员，办理类由承办人，审批类由单位负责人（示范账号只覆盖一大队，其余记为系统）。
HEAD_ACTIONS = frozenset({"start_hearing", "end_hearing", "return_draft", "approve_reply", "extend", "issue_review",
                          "start_re_review_hearing", "end_re_review_hearing", "issue_re_review"})
HANDLER_ACTIONS = frozenset({"start", "draft_reply"})
DATE_KEYS = ("accepted", "delivered", "review_requested", "review_delivered", "re_review_requested", "closed", "hearing")
EXTENSION_REASON = "案情复杂，需调取监控并等待鉴定结果"
RETURN_REASON = "请补充调查材料后重新起草答复"
REVIEW_TEXT, RE_REVIEW_TEXT = "经复查，原处理意见正确，予以维持。", "经复核，维持复查意见。"
TRUE_FALSE = ("false", "true")
EARLY = {S.DECLINED: "decline", S.TRANSFERRED: "transfer", S.DIVERTED: "divert"}


class _Generator:
    """按顺序生成事项；行攒在各 _Table 里，由 flush 成批写入。所有随机数出自同一个种子。"""

    def __init__(self, *, seed: int, today: date):
        self.rng, self.today = _Rand(seed), today.toordinal()
        self.deadlines = _Deadlines()
        accounts = {s.username: s for s in Staff.objects.filter(username__in=("clerk", "handler", "head"))}
        clerk, handler, head = accounts["clerk"], accounts["handler"], accounts["head"]
        self.clerk, self.handler, self.handler_name, self.head = clerk.pk, handler.pk, handler.name, head.pk
        self.handler_unit = handler.department_id
        root_path = f"/{clerk.department.ancestor_ids()[0]}/"
        tree = list(Department.objects.filter(path__startswith=root_path, is_active=True).order_by("path"))
        weight = {DepartmentKind.SQUADRON: 6, DepartmentKind.BRIGADE: 3, DepartmentKind.DETACHMENT: 0.3}
        self.departments = [(d.pk, d.name) for d in tree]
        self.department_cum = _cumulative(weight.get(d.kind, 0.4) for d in tree)
        units = [d for d in tree if d.kind in (DepartmentKind.BRIGADE, DepartmentKind.SQUADRON)] or tree
        self.units = [(d.pk, d.name) for d in units]
        self.head_units = {d.pk for d in tree if d.path.startswith(head.department.path)}
        self.categories = _categories()
        self.template_cum = _cumulative(t["weight"] for t in TEMPLATES)
        self.channels, channel_weights = zip(*CHANNELS)
        self.channel_cum = _cumulative(channel_weights)
        self.targets, target_weights = zip(*TARGETS)
        self.target_cum = _cumulative(target_weights)
        self.outcomes = list(Outcome)
        # Asia/Shanghai 自 1991 年起没有夏令时：用一个固定偏移换算成 UTC，比逐行查时区快得多。
        zone = ZoneInfo(settings.TIME_ZONE)
        offsets = {zone.utcoffset(datetime(y, m, 1)) for y in range(today.year - 6, today.year + 1) for m in (1, 7)}
        if len(offsets) != 1:
            raise RuntimeError(f"时区 {settings.TIME_ZONE} 有夏令时，generate 只支持固定偏移的时区")
        self.utc_offset = int(offsets.pop().total_seconds() // 60)
        self.tz_suffix = "+00:00" if connection.vendor == "postgresql" else ""
        self.day_text: dict[int, str] = {}
        self.tables = {name: _Table(model, fields) for name, model, fields in (
            ("petitioner", Petitioner, PETITIONER), ("matter", Matter, MATTER), ("petition", Petition, PETITION),
            ("link", PetitionPetitioner, LINK), ("assignment", Assignment, ASSIGNMENT), ("event", MatterEvent, EVENT),
            ("appeal", AppealRequest, APPEAL), ("opinion", Opinion, OPINION), ("execution", ExecutionItem, EXECUTION))}
        self.organs = self._organs(tree)
        self.next_id = {name: (t.model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
                        for name, t in self.tables.items()}
        self.sealing = [Petitioner._meta.get_field(name) for name in ("id_number", "phone", "address")]
        self.search_rows: list[tuple[int, str]] = []
        self.pool: list[int] = []  # 本次已生成的信访人，供"同一人再次信访"挑选
        self.arrival_cum = self._arrivals(current_calendar())
        self.episodes = self._episodes(self.units)

    def _arrivals(self, calendar) -> list[float]:
        """最近 HORIZON_DAYS 天（含今天）每天收到件数的累计权重，下标 0 是最早的一天。"""
        first = self.today - HORIZON_DAYS
        weights = []
        for day in range(first, self.today + 1):
            d = date.fromordinal(day)
            years = (day - self.today) / 365.25
            season = 1.0 + SEASON_AMPLITUDE * math.sin(2 * math.pi * (d.timetuple().tm_yday - 105) / 365.25)
            rest = 1.0 if calendar.is_workday(d) else REST_DAY_SHARE
            weights.append(math.exp(GROWTH_PER_YEAR * years) * season * rest)
        return _cumulative(weights)

    def _episodes(self, units) -> list[tuple[int, int, int, int]]:
        """局部上升：(首日序数, 天数, 部门下标, 模板下标)。部门取大队、中队（按件数权重）。"""
        r = self.rng
        if not units:
            return []
        unit_ids = {pk for pk, _ in units}
        choices = [i for i, (pk, _) in enumerate(self.departments) if pk in unit_ids]
        episodes = []
        count = max(1, round(EPISODES_PER_YEAR * HORIZON_DAYS / 365))
        for n in range(count):
            length = r.between(14, 28)
            if n == count - 1:  # 正在发生的一次
                first = self.today - r.between(10, 20)
            else:
                first = self.today - HORIZON_DAYS + r.between(0, HORIZON_DAYS - 60)
            department = choices[int(r.random() * len(choices))]
            template = bisect_right(self.template_cum, r.random() * self.template_cum[-1])
            episodes.append((first, length, department, min(template, len(TEMPLATES) - 1)))
        return episodes

    @staticmethod
    def _organs(tree) -> dict[int, tuple]:
        """部门 → (所属机关 id, 其全称, 复查机关, 复核机关)；机关为 (id 或 None, 名称)。树只有几十个部门，先算好。"""

        def named(organ) -> tuple[int | None, str]:
            if isinstance(organ, Department):
                return organ.pk, organs.full_name(organ)
            return None, organ.name if organ is not None else UNNAMED_SUPERIOR

        found = {}
        for d in tree:
            organ = organs.organ_of(d)
            review = organs.superior_organ(organ)
            re_review = organs.superior_organ(review) if review is not None else None
            found[d.pk] = (organ.pk, organs.full_name(organ), named(review), named(re_review))
        return found

    def _id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def _day(self, ordinal: int | None) -> str | None:
        if ordinal is None:
            return None
        text = self.day_text.get(ordinal)
        if text is None:
            text = self.day_text[ordinal] = date.fromordinal(ordinal).isoformat()
        return text

    def _ts(self, minutes: int) -> str:
        """本地时刻（自公元序数日 0 起的分钟数）→ 数据库里的 UTC 时间文本。"""
        day, rest = divmod(minutes - self.utc_offset, 1440)
        return f"{self._day(day)} {rest // 60:02d}:{rest % 60:02d}:00{self.tz_suffix}"

    # -- 一件事项 ---------------------------------------------------------------------------

    def _arrival(self) -> tuple[int, int | None, int | None]:
        """下一件事项的收到之日（序数），及它若属于某次局部上升，该次的部门与模板下标。"""
        r = self.rng
        if self.episodes and r.random() < EPISODE_SHARE:
            first, length, department, template = self.episodes[int(r.random() * len(self.episodes))]
            return min(first + r.between(0, length - 1), self.today), department, template
        offset = bisect_right(self.arrival_cum, r.random() * self.arrival_cum[-1])
        return self.today - HORIZON_DAYS + min(offset, HORIZON_DAYS), None, None

    def _fits(self, target: str, age: int, *, reached: bool = False) -> tuple[str, list, dict, int, int] | None:
        """收到 age 天的事项能否正处在 target：能则给出 (状态, 步骤, 日期, 跨度, 在此状态已停留的天数)。

        要走到 target 的路径比 age 长（还没走完）时，事项此刻停在走到今天为止的那一步：按那一步的状态重走一次
        （reached）。否则近期收到、终将办结的事项都被换成了当场办结的不予受理、转送、分流，在办的反而极少。"""
        r = self.rng
        steps, info = self._path(target)
        span = max([d for _, d in steps] + [info[k] for k in DATE_KEYS if k in info] + [0])
        dwell = age - span
        if dwell < 0:
            if reached:
                return None
            status = S.REGISTERED
            for action, day in steps:
                if day > age:
                    break
                status = TRANSITIONS[action].target or status
            return None if status in FINISHED_STATES else self._fits(status, age, reached=True)
        if target not in FINISHED_STATES:
            usual = info.get("left", DWELL.get(target, 10))
            # 在办事项多半还在正常停留期内；少数积压（长时间无人推进，多半已超期）。
            if dwell > usual and not (dwell <= usual + 150 and r.random() < BACKLOG_SHARE):
                return None
        return target, steps, info, span, dwell

    def matter(self, target: str | None, budget: int) -> int:
        """生成一件事项及其信访件、信访人、交办、事件与检索行；返回用掉的信访件数。

        target 为 None 时先按收到日期的分布定收到之日，再在 TARGETS 里挑一个这个年龄的事项走得到的状态；
        给定 target 时（前 16 件覆盖每一种状态）按该状态倒推收到之日。"""
        r = self.rng
        forced_department = forced_template = None
        fitted = None
        if target is None:
            start, forced_department, forced_template = self._arrival()
            for _ in range(50):
                target = r.weighted(self.targets, self.target_cum)
                fitted = self._fits(target, self.today - start)
                if fitted is not None:
                    break
        if fitted is None:  # 指定了状态，或这一天收到的事项怎么也走不到（极少）：按状态倒推收到之日
            steps, info = self._path(target)
            span = max([d for _, d in steps] + [info[k] for k in DATE_KEYS if k in info] + [0])
            if target in FINISHED_STATES:
                dwell = r.between(0, HORIZON_DAYS - span)
            else:
                dwell = r.between(0, info.get("left", DWELL.get(target, 10)))
                if r.random() < 0.08:  # 积压：长时间无人推进，多半已超期
                    dwell += r.between(5, 150)
            start = self.today - span - dwell
        else:
            target, steps, info, span, dwell = fitted
        tpl = TEMPLATES[forced_template] if forced_template is not None else r.weighted(TEMPLATES, self.template_cum)
        received = date.fromordinal(start)

        def on(key: str) -> int | None:
            return start + info[key] if key in info else None

        slots = _Slots(r, received)
        variant = r.between(0, 5)  # 事由、内容、诉求按同一变体配对，免得文不对题
        title = tpl["titles"][variant % len(tpl["titles"])].format_map(slots)[:120]
        summary = tpl["bodies"][variant % len(tpl["bodies"])].format_map(slots)
        requests = tpl["requests"][variant % len(tpl["requests"])]
        department = (self.departments[forced_department] if forced_department is not None
                      else r.weighted(self.departments, self.department_cum))
        collective = r.random() < tpl.get("collective", 0.02)
        skip_level = r.random() < 0.05
        officer = f"民警（警号{slots['officer']}）" if tpl.get("officer") else ""
        case = f"{received.year}{r.between(1, 99999):05d}" if r.random() < 0.4 else ""

        # 重复信访：同一信访人在办理期间或答复后再来；复核终结后再来的，出具不再受理告知书。
        repeats = []
        if budget > 1 and r.random() < 0.12:
            count = min(budget - 1, 1 if r.random() < 0.75 else r.between(2, 4))
            # 再来多在办理期间或答复后不久（平均约一个月）；还没到的（晚于今天）不造。以前在收到之后到今天之间
            # 均匀地挑一天：五年前的事项也在最近几周再来，各周件数因此一路上涨。
            delays = (int(-REPEAT_MEAN_DAYS * math.log(1.0 - r.random())) for _ in range(count))
            repeats = sorted(d for d in delays if d <= span + dwell)
        timeline = [(0, -1, "register", 0)] + [(d, i, a, None) for i, (a, d) in enumerate(steps)]
        timeline += [(d, 10_000 + j, "repeat", j + 1) for j, d in enumerate(repeats)]
        if target == S.TERMINATED and budget > len(repeats) + 1 and r.random() < 0.2:
            again = span + r.between(30, 400)
            if again <= span + dwell:
                repeats.append(again)
                timeline += [(again, 9_999, "repeat_after_termination", len(repeats)),
                             (again, 20_000, "not_accepted_again", None)]
                steps.append(("not_accepted_again", again))
        timeline.sort()

        matter_id = self._id("matter")
        number = f"XF{received.year}{matter_id:08d}"
        people = self._people(collective, start)
        outcome = r.pick(self.outcomes) if "drafted" in info else ""
        remedies = (outcome == Outcome.SUPPORT and r.random() < 0.3,
                    outcome == Outcome.SUPPORT and r.random() < 0.5, outcome == Outcome.SUPPORT)
        disposal = self._disposal(target, tpl)
        disposal_json = json.dumps(disposal, ensure_ascii=False)

        status, lead, co, handler = S.REGISTERED, department, [], None
        head_unit = department[0] in self.head_units
        opinions: list[list] = []  # 本事项的意见行（可变：送达时补上日期与方式）
        requests_made: dict[str, int] = {}  # 请求种类 → 请求行 id
        later, petitions, links, events = [], self.tables["petition"].rows, self.tables["link"].rows, self.tables["event"].rows
        cursor = created_at = 0
        for day, _, action, petition_no in timeline:
            moment = (start + day) * 1440 + r.between(480, 1079)
            if moment <= cursor:
                moment = cursor + r.between(3, 30)
            if petition_no is not None:  # 一件信访件：先收到，几分钟后登记
                petition_id = self._id("petition")
                channel = r.weighted(self.channels, self.channel_cum)
                first = petition_no == 0
                if first:
                    content = summary
                else:
                    content = f"再次反映：{title}。本人于{_CN_DATE.format(received)}已经反映过，{r.pick(WORDS['follow'])}。"
                    later.append(content)
                petitions.append((
                    petition_id, matter_id, channel, self._ts(moment), content, requests if first else "",
                    department[0], officer, case, (r.between(5, 60) if collective else 1) if first else 1,
                    collective and first, skip_level and first, not first, self.clerk, self._ts(moment + 5)))
                for person, representative in (people if first else people[:1]):
                    links.append((self._id("link"), petition_id, person, representative))
                moment += r.between(5, 60)
                data = (f'{{"petition_id": {petition_id}, "channel": "{channel}", "collective": '
                        f'{TRUE_FALSE[collective and first]}, "skip_level": {TRUE_FALSE[skip_level and first]}}}')
                from_status = to_status = status
                actor, reason = self.clerk, ""
            else:
                t = TRANSITIONS[action]
                if status not in t.sources:
                    raise AssertionError(f"生成的路径不合转换表：{status} 不能 {action}")
                from_status = status
                status = to_status = t.target or status
                if action == "assign":
                    if department not in self.units:
                        lead = r.pick(self.units)
                    head_unit = lead[0] in self.head_units
                    if r.random() < 0.25:
                        co = r.sample([u for u in self.units if u != lead], r.between(1, 2))
                elif action == "start" and lead[0] == self.handler_unit and r.random() < 0.9:
                    handler = self.handler
                if action in HANDLER_ACTIONS:
                    actor = handler or (self.head if head_unit else None)
                elif action in HEAD_ACTIONS:
                    actor = self.head if head_unit else None
                else:
                    actor = self.clerk
                if action in OPINION_ACTIONS:
                    data, reason = self._opinion(OPINION_ACTIONS[action], matter_id, start + day, moment, actor, lead,
                                                 outcome, remedies, opinions, requests_made), ""
                elif action == "deliver":
                    data, reason = self._delivery(opinions[-1], start + day), ""
                elif action in REQUEST_ACTIONS:
                    data, reason = self._request(REQUEST_ACTIONS[action], matter_id, start + day, moment, lead,
                                                 opinions, requests_made), ""
                else:
                    data, reason = self._event_data(action, info, start, lead, co, handler, outcome, remedies,
                                                    disposal, disposal_json)
            events.append((self._id("event"), matter_id, self._ts(moment), actor, action, from_status, to_status,
                           reason, data))
            cursor = moment
            created_at = created_at or moment

        self._execution(matter_id, lead, opinions, on("closed") if status in FINISHED_STATES else None)
        self.tables["opinion"].rows.extend(tuple(row) for row in opinions)
        deciding = None  # 正在（或最后）作出复查、复核的系统内机关：复查办结、重新办理后清空（同 appeals）
        if OpinionKind.RE_REVIEW in requests_made:
            deciding = self.organs[lead[0]][3][0]
        elif OpinionKind.REVIEW in requests_made and status != S.CLOSED:
            deciding = self.organs[lead[0]][2][0]

        if any(action == "assign" for action, _ in steps):
            assignments = self.tables["assignment"].rows
            assignments.append((self._id("assignment"), matter_id, lead[0], AssignmentRole.LEAD))
            for unit in co:
                assignments.append((self._id("assignment"), matter_id, unit[0], AssignmentRole.CO))

        m = _M()
        m.status, m.received_on = status, received
        m.accepted_on = date.fromordinal(on("accepted")) if "accepted" in info else None
        m.extension_days, m.paused_days = info.get("ext", 0), info.get("paused", 0)
        m.reply_delivered_on = date.fromordinal(on("delivered")) if "delivered" in info else None
        m.review_requested_on = date.fromordinal(on("review_requested")) if "review_requested" in info else None
        m.review_delivered_on = date.fromordinal(on("review_delivered")) if "review_delivered" in info else None
        m.re_review_requested_on = (date.fromordinal(on("re_review_requested"))
                                    if "re_review_requested" in info else None)
        m.re_review_paused_days = info.get("re_paused", 0)
        self.deadlines.apply(m)
        reply = REPLIES[outcome].format(remedy="已纠正相关执法行为。" if remedies[2] else "") if outcome else ""
        category = self.categories.get(tpl["category"]) or (r.pick(self.categories["*"]) if self.categories["*"] else None)
        day = self._day
        self.tables["matter"].rows.append((
            matter_id, number, title, summary, requests, category, lead[0], bool(co), handler, status, 1 + len(steps),
            collective, skip_level, 1 + len(repeats), day(start), day(on("accepted")), m.extension_days,
            m.paused_days, day(on("hearing")), day(on("delivered")), day(on("review_requested")),
            day(on("review_delivered")), day(on("re_review_requested")), m.re_review_paused_days, day(on("closed")),
            _iso(m.acceptance_due), _iso(m.handling_due), _iso(m.review_request_closes), _iso(m.review_due),
            _iso(m.re_review_request_closes), _iso(m.re_review_due), _iso(m.current_due), m.due_provisional, m.provisional_dues,
            outcome, reply, *remedies, disposal_json, self.clerk, self._ts(created_at), self._ts(cursor), deciding))
        self.search_rows.append((matter_id, " ".join([number, title, summary, requests, *later])))
        return 1 + len(repeats)

    def _path(self, target: str) -> tuple[list[tuple[str, int]], dict]:
        """从登记走到 target 的动作序列（动作，距收到之日的天数），以及各起算日期距收到之日的天数。"""
        r, steps, info = self.rng, [], {}
        day = 0

        def step(action: str, lo: int, hi: int | None = None) -> int:
            nonlocal day
            day += r.between(lo, lo if hi is None else hi)
            steps.append((action, day))
            return day

        def due_in() -> int:
            return info["accepted"] + 60 + info.get("paused", 0) + info.get("ext", 0) - day

        if target == S.REGISTERED:
            return steps, info
        lo, hi = (0, 12) if r.random() < 0.95 else (13, 25)  # 少数告知受理超期
        if target in EARLY:
            step(EARLY[target], lo, hi)
            return steps, info
        info["accepted"] = step("accept", lo, hi)
        if target == S.ACCEPTED:
            return steps, info
        step("assign", 0, 3)
        if target == S.ASSIGNED:
            return steps, info
        step("start", 0, 4)
        if target == S.HEARING or r.random() < 0.03:
            info["start_hearing"] = step("start_hearing", 5, 25)
            if target == S.HEARING:
                info["hearing"] = day
                return steps, info
            info["paused"] = r.between(3, 20)
            step("end_hearing", info["paused"])
        if r.random() < 0.06 and due_in() > 12:
            step("extend", 1, due_in() - 3)
            info["ext"] = r.between(10, 30)
        if r.random() < 0.08 and due_in() > 14:
            step("draft_reply", 3, due_in() - 10)
            info["drafted"] = True
            step("return_draft", 1, 3)
        if target == S.IN_PROGRESS:
            info["left"] = max(0, due_in() - 3)
            return steps, info
        late = r.random() < 0.04  # 少数办理超期
        step("draft_reply", due_in() + r.between(1, 20) if late else r.between(1, max(1, due_in() - 6)))
        info["drafted"] = True
        if target == S.REPLY_DRAFTED:
            return steps, info
        step("approve_reply", 1, 3)
        info["delivered"] = day + r.between(0, 3)
        steps.append(("deliver", info["delivered"]))  # 登记送达：复查请求期限自此起算（第三十五条）
        if target == S.REPLIED:
            return steps, info
        appeal = target != S.CLOSED or r.random() < 0.04
        if not appeal or r.random() < 0.5:
            day = max(day, info["delivered"])
            info["closed"] = step("close", 0, 10)
            if not appeal:
                return steps, info
        day = max(day, info["delivered"])
        info["review_requested"] = step("request_review", 3, 28)
        if target == S.REVIEWING:
            return steps, info
        step("issue_review", 10, 28)
        info["review_delivered"] = day + r.between(0, 3)
        steps.append(("deliver", info["review_delivered"]))
        if target == S.REVIEWED:
            return steps, info
        day = max(day, info["review_delivered"])
        if target == S.CLOSED:
            info["closed"] = step("close_review", 1, 30)
            return steps, info
        info["re_review_requested"] = step("request_re_review", 3, 28)
        if target == S.RE_REVIEWING:
            return steps, info
        if target == S.RE_REVIEW_HEARING or r.random() < 0.1:
            info["start_re_review_hearing"] = step("start_re_review_hearing", 3, 15)
            if target == S.RE_REVIEW_HEARING:
                info["hearing"] = day
                return steps, info
            info["re_paused"] = r.between(3, 15)
            step("end_re_review_hearing", info["re_paused"])
        info["closed"] = step("issue_re_review", 5, 25)
        info["re_review_delivered"] = day + r.between(0, 3)
        steps.append(("deliver", info["re_review_delivered"]))
        return steps, info

    def _opinion(self, kind, matter_id, day, moment, actor, lead, outcome, remedies, opinions, requests_made) -> str:
        """处理、复查、复核意见的一行（复查、复核维持原意见）；返回事件详情（同 events.opinion_issued）。"""
        organ_pk, organ_name, review, re_review = self.organs[lead[0]]
        if kind == OpinionKind.REPLY:
            text = REPLIES[outcome].format(remedy="已纠正相关执法行为。" if remedies[2] else "")
            organ, flags, review_outcome = (organ_pk, organ_name), remedies, ""
        else:
            text = REVIEW_TEXT if kind == OpinionKind.REVIEW else RE_REVIEW_TEXT
            organ = review if kind == OpinionKind.REVIEW else re_review
            flags, review_outcome = (False, False, False), ReviewOutcome.UPHOLD
        pk = self._id("opinion")
        request = requests_made.get(kind)
        opinions.append([pk, matter_id, kind, request, organ[0], "" if organ[0] else organ[1], review_outcome,
                         outcome, text, *flags, self._day(day), None, "", "", actor, self._ts(moment)])
        return (f'{{"opinion_id": {pk}, "kind": "{kind}", "decision": "{outcome}", '
                f'"review_outcome": "{review_outcome}", "organ": "{organ[1]}"}}')

    def _delivery(self, row: list, day: int) -> str:
        """登记送达：补上意见行的送达日期、方式与凭证；返回事件详情（同 events.delivered）。"""
        method, proof = DELIVERY[int(self.rng.random() * len(DELIVERY))]
        row[13], row[14], row[15] = self._day(day), method, proof
        return f'{{"opinion_id": {row[0]}, "kind": "{row[2]}", "delivered_on": "{row[13]}", "method": "{method}"}}'

    def _request(self, kind, matter_id, day, moment, lead, opinions, requests_made) -> str:
        """复查、复核请求一行（在期限内，由决定机关办理）；返回事件详情（同 events.appeal_registered）。"""
        _, _, review, re_review = self.organs[lead[0]]
        organ = review if kind == OpinionKind.REVIEW else re_review
        earlier = opinions[-1]  # 被请求复查（复核）的那项意见，已送达
        rule = deadlines.review_request_closes if kind == OpinionKind.REVIEW else deadlines.re_review_request_closes
        window = self.deadlines._due(rule, date.fromisoformat(earlier[13]))
        pk = requests_made[kind] = self._id("appeal")
        closes = window.day.isoformat()
        self.tables["appeal"].rows.append((pk, matter_id, kind, self._day(day), "", closes, False, False, organ[0],
                                           "" if organ[0] else organ[1], self._ts(moment)))
        return (f'{{"request_id": {pk}, "kind": "{kind}", "requested_on": "{self._day(day)}", '
                f'"window_closes": "{closes}", "late": false, "provisional": false}}')

    def _execution(self, matter_id: int, lead, opinions: list[list], closed: int | None) -> None:
        """支持意见的每项补救措施一项落实（第三十二条）；事项已办结的记为办结当日已落实。"""
        rows = self.tables["execution"].rows
        for row in opinions:
            if row[7] != Outcome.SUPPORT:
                continue
            for remedy, flag in zip((Remedy.COMPENSATION, Remedy.APOLOGY, Remedy.CORRECTION), row[9:12]):
                if flag:
                    rows.append((self._id("execution"), matter_id, row[0], remedy, lead[0], self._day(closed),
                                 EXECUTION_EVIDENCE[remedy] if closed else "", None, row[17]))

    def _people(self, collective: bool, start: int) -> list[tuple[int, bool]]:
        """首件信访件的信访人：(信访人 id, 是否代表)。集体访 2–5 名代表（不超过 5 名）。"""
        r = self.rng
        if collective:
            return [(self._person(start), True) for _ in range(r.between(2, 5))]
        if self.pool and r.random() < 0.06:  # 同一人另就别的事信访
            return [(r.pick(self.pool), False)]
        people = [(self._person(start, organisation=r.random() < 0.02), False)]
        if r.random() < 0.03:
            people.append((self._person(start), False))
        return people

    def _person(self, start: int, *, organisation: bool = False) -> int:
        r = self.rng
        pk = self._id("petitioner")
        address = f"示范市{r.pick(DISTRICTS)}{r.pick(WORDS['road'])}{r.between(1, 999)}号"
        if organisation:
            row = (pk, PetitionerKind.ORGANISATION, r.pick(WORDS["company"]), credit_code(r),
                   f"0731-8{r.between(0, 9999999):07d}", address)
        else:
            name = r.pick(SURNAMES) + "".join([r.pick(GIVEN) for _ in range(1 + (r.random() < 0.7))])
            phone = f"1{r.pick('3456789')}{r.between(0, 999999999):09d}"
            row = (pk, PetitionerKind.PERSON, name, id_number(r), phone,
                   f"{address}{r.between(1, 30)}栋{r.between(1, 6)}单元")
        self.tables["petitioner"].rows.append(self._sealed(row) + (self._ts(start * 1440 + 540),))
        self.pool.append(pk)
        return pk

    def _sealed(self, row: tuple) -> tuple:
        """(id, 类型, 姓名, 身份证号, 电话, 地址) → 按 PETITIONER 的列：号码与地址加密，号码另有盲索引。"""
        pk, kind, name, id_number_, phone, address = row
        id_field, phone_field, address_field = self.sealing
        return (pk, kind, name, id_field.get_prep_value(id_number_), id_field.current_index(id_number_),
                phone_field.get_prep_value(phone), phone_field.current_index(phone), address_field.get_prep_value(address))

    def _disposal(self, target: str, tpl: dict) -> dict:
        r = self.rng
        if target == S.DECLINED:
            reason, where = r.pick(DECLINES)
            return {"kind": "decline", "reason": reason, "where": where}
        if target == S.TRANSFERRED:
            return {"kind": "transfer", "authority": tpl.get("transfer") or r.pick(AUTHORITIES),
                    "reason": "该事项属于其职责范围"}
        if target == S.DIVERTED:
            return {"kind": "divert", "channel": tpl.get("divert") or r.pick(list(deadlines.STATUTORY_CHANNELS)),
                    "note": ""}
        return {}

    def _event_data(self, action, info, start, lead, co, handler, outcome, remedies, disposal, disposal_json):
        """事件详情（JSON 文本）与说明，与各 actions 函数写入的一致。"""
        def iso(key: str) -> str:
            return self._day(start + info[key])

        if action in EARLY.values():
            return disposal_json, disposal.get("reason") or disposal.get("note", "")
        if action == "accept":
            return f'{{"accepted_on": "{iso("accepted")}", "organ_id": {self.organs[lead[0]][0]}}}', ""
        if action == "assign":
            names = ", ".join(f'"{name}"' for name in sorted(u[1] for u in co))
            return f'{{"lead": "{lead[1]}", "co": [{names}], "handler": ""}}', ""
        if action == "start":
            return f'{{"handler": "{self.handler_name if handler else ""}"}}', ""
        if action in ("start_hearing", "start_re_review_hearing"):
            return f'{{"hearing_started_on": "{iso(action)}"}}', ""
        if action in ("end_hearing", "end_re_review_hearing"):
            return f'{{"hearing_days": {info["paused" if action == "end_hearing" else "re_paused"]}}}', ""
        if action == "draft_reply":
            flags = [TRUE_FALSE[f] for f in remedies]
            return (f'{{"outcome": "{outcome}", "compensation": {flags[0]}, "apology": {flags[1]}, '
                    f'"correction": {flags[2]}}}'), ""
        if action == "return_draft":
            return "{}", RETURN_REASON
        if action == "extend":
            return f'{{"extension_days": {info["ext"]}, "reason": "{EXTENSION_REASON}"}}', EXTENSION_REASON
        if action in ("close", "close_review"):
            return f'{{"closed_on": "{iso("closed")}"}}', ""
        return "{}", ""

    # -- 写库 -----------------------------------------------------------------------------

    def batches(self, petitions: int, batch_size: int):
        """逐批生成，直到凑够 `petitions` 件信访件：每批给出 (各表的行, 检索行, 已生成件数, 下一个 id)。

        前 16 件事项依次走到每一种状态，保证小批量也覆盖全部状态；其后先按收到日期的分布定收到之日，
        再按 TARGETS 的分布挑一个走得到的状态（见 matter）。
        """
        made = pending = matters = 0
        # 转送、交办来文的异议（第二十三条）要有来文记录，造数不造这两种状态。
        statuses = [status for status in S if status not in (S.OBJECTED, S.RETURNED)]
        while made < petitions:
            target = statuses[matters] if matters < len(statuses) else None
            used = self.matter(target, petitions - made)
            made, pending, matters = made + used, pending + used, matters + 1
            if pending >= batch_size or made >= petitions:
                rows = {name: table.rows for name, table in self.tables.items()}
                for table in self.tables.values():
                    table.rows = []
                yield rows, self.search_rows, made, dict(self.next_id)
                self.search_rows, pending = [], 0

    def write(self, rows: dict[str, list[tuple]], search_rows: list[tuple[int, str]]) -> None:
        """把一批行在一个事务里写入，并为这些事项建检索行。"""
        with transaction.atomic():
            cursor = connection.cursor() if connection.vendor == "postgresql" else connection.connection.cursor()
            for name, table in self.tables.items():
                table.rows = rows[name]
                table.write(cursor)
            # 案件编号的索引表（与登记同一个 case_numbers.insert）：约四成信访件带编号。
            case_numbers.insert((row[0], row[CASE_NUMBERS]) for row in rows["petition"])
            if connection.vendor == "postgresql":
                # index_matters 在 PostgreSQL 上逐行 executemany，实测每行约 1 毫秒（百万件要十几分钟）；
                # 这里用同一个切词函数 search.tokens，以 COPY 写入同一张检索表。
                with cursor.copy(f"COPY {search.TABLE} (matter_id, tokens) FROM STDIN") as copy:
                    for pk, text in search_rows:
                        copy.write_row((pk, search.tokens(text)))
            else:
                search.index_matters(search_rows)
            self.catch_up_sequences()

    def catch_up_sequences(self) -> None:
        """PostgreSQL 的 id 序列跟上本批预分配的 id，在本批的事务里做：进程此后随时被杀，已提交的每一批之后
        序列都不落在已有 id 后面（否则此后每一次登记都撞主键，答 500）。setval 不随事务回滚：本批回滚时
        序列只是跳过几个号。SQLite 的 AUTOINCREMENT 随插入自动前移，不用管。"""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [t.model for t in self.tables.values()]):
                cursor.execute(sql)

    def finish(self) -> None:
        """PostgreSQL 的序列跟上预分配的 id；更新统计信息，让查询计划按真实数据量来定。"""
        models = [t.model for t in self.tables.values()]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for sql in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)
                # 检索表也要：没有词元的统计，规划器会把常见词估成只命中几行，选错计划（实测 1.7 秒 → 76 毫秒）。
                # 不在事务里时连同 VACUUM：刚写入的页标记为全部可见，列表的排序键才能只读索引（平时由自动清理做）。
                command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
                for table in [m._meta.db_table for m in models] + [search.TABLE]:
                    cursor.execute(f"{command} {table}")
            else:
                # 全量统计（百万件库上约 5 秒）：抽样 1000 行时每个经办人、每个单位都估成约 1000 件，
                # 规划器在"经办人 + 期限"与"单位 + 期限"两个索引间选错，承办人工作台一条查询 0.27 秒（全量后 < 1 毫秒）。
                cursor.execute("PRAGMA analysis_limit=0")
                cursor.execute("ANALYZE")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _categories() -> dict:
    """模板类别 → 类别 id。类别表为空时先建一组常见类别；"*" 是找不到对应类别时随机挑选的叶子类别。"""
    ensure_default_categories()
    rows = list(Category.objects.filter(is_active=True).values_list("pk", "name", "parent__name", "parent_id"))
    parents = {parent_id for *_, parent_id in rows if parent_id}
    found: dict = {(parent_name, name): pk for pk, name, parent_name, _ in rows}
    found["*"] = [pk for pk, *_ in rows if pk not in parents]
    return found


def generate(petitions: int, *, seed: int = 1, today: date | None = None, batch_size: int = 20_000,
             progress=None) -> Summary:
    """生成 `petitions` 件信访件（分属若干事项），按批写入。先补齐示范组织。返回各表新增行数与用时。

    多于一批时，另起一个进程生成下一批，本进程同时写入上一批（两个核各干一半）；子进程随本进程退出。
    每批一个事务，提交时 id 序列已跟上：中途被杀，已写入的批次完整可用，此后的登记照常。
    """
    started = time.perf_counter()
    with only_run():
        seed_demo()
        gen = _Generator(seed=seed, today=today or clock.today())
        first_ids = last_ids = dict(gen.next_id)
        batches = gen.batches(petitions, batch_size)
        if petitions > batch_size:
            batches = _from_child_process(batches)
        with _bulk_load(large=petitions >= 100_000):
            for rows, search_rows, made, last_ids in batches:
                gen.write(rows, search_rows)
                if progress:
                    progress(made, petitions, time.perf_counter() - started)
            gen.finish()
    counts = {name: last_ids[name] - first_ids[name] for name in first_ids}
    return Summary(matters=counts["matter"], petitions=counts["petition"], petitioners=counts["petitioner"],
                   events=counts["event"], assignments=counts["assignment"], opinions=counts["opinion"], seconds=time.perf_counter() - started)


@contextmanager
def _bulk_load(*, large: bool):
    """批量写入期间的数据库设置，结束（或出错）时恢复。在调用方的事务里（例如测试）照常写。

    SQLite：造数失败可以重来，写入期间不等落盘，结束后恢复设置里的 NORMAL。
    PostgreSQL：大批量时先删去检索表的 GIN 索引、写完再按原定义重建——逐行维护 GIN 每行约 0.7 毫秒，
    整体重建快得多。重建前检索照常可用，只是慢。
    """
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        restore_dropped_indexes()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                           "AND tablename = %s AND indexdef LIKE '%%USING gin%%'", [search.TABLE])
            gin = cursor.fetchall() if large else []
            if gin:
                # 删索引与记下它的定义在同一个事务里：进程此后被杀（finally 不会执行），下一次 generate
                # 照表注释把索引建回来，不会有"索引没了、也没人知道"的库。
                cursor.execute(f"COMMENT ON TABLE {search.TABLE} IS %s",
                               [DROPPED_INDEXES + json.dumps(gin, ensure_ascii=False)])
            for name, _ in gin:
                cursor.execute(f'DROP INDEX "{name}"')
        try:
            yield
        finally:
            restore_dropped_indexes()
        return
    with connection.cursor() as cursor:
        for pragma in ("synchronous=OFF", "cache_size=-1048576", "temp_store=MEMORY"):
            cursor.execute(f"PRAGMA {pragma}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-2000")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


DROPPED_INDEXES = "xinfang generate 暂时删去的索引，中途退出时由下一次 generate 重建："


def restore_dropped_indexes() -> list[str]:
    """PostgreSQL：重建造数时删去的检索表 GIN 索引（定义记在表注释里），返回重建了哪些。没有则什么也不做。"""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", [search.TABLE])
        comment = cursor.fetchone()[0] or ""
    if not comment.startswith(DROPPED_INDEXES):
        return []
    dropped = json.loads(comment[len(DROPPED_INDEXES):])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for _, definition in dropped:
            cursor.execute(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
        cursor.execute(f"COMMENT ON TABLE {search.TABLE} IS NULL")
    return [name for name, _ in dropped]


REGISTRATION_ACTIONS = ("petition.register", "petition.repeat", "petition.repeat_after_termination")


def recent_registrations(minutes: int) -> int:
    """最近 `minutes` 分钟内真人登记（含网上提交）的信访件数，取自审计记录：造数不写审计，
    所以这里数到的都是正在使用这个库的人。"""
    from xinfang.audit.models import AuditEvent

    since = clock.now() - timedelta(minutes=minutes)
    return AuditEvent.objects.filter(at__gte=since, action__in=REGISTRATION_ACTIONS).count()


@contextmanager
def only_run():
    """同一个库同时只能有一个 generate：两个都从同一个最大 id 起预分配，必然撞号。
    PostgreSQL 用会话级咨询锁，SQLite 用库文件旁的文件锁；进程死了锁自动释放。"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(hashtext('xinfang generate'))")
            if not cursor.fetchone()[0]:
                raise RuntimeError("另一个 xinfang generate 正在向这个库写入，请等它结束")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext('xinfang generate'))")
        return
    import fcntl

    with open(f"{connection.settings_dict['NAME']}.generate-lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError("另一个 xinfang generate 正在向这个库写入，请等它结束") from None
        yield


def _die_with_parent(parent: int) -> None:
    """子进程随父进程退出：父进程被 kill -9 时 finally 不执行，没有人 terminate 子进程。
    Linux 上让内核在父进程死时给子进程发 SIGKILL；别的系统靠 _from_child_process 里的轮询。"""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # 设好之前父进程已经死了
        os._exit(1)


def _from_child_process(batches):
    """在子进程（fork）里迭代 `batches`，经队列交回本进程。子进程只做纯 Python 计算，不碰数据库连接。"""
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=2)

    parent = os.getpid()

    def put(item) -> None:
        while True:
            try:
                queue.put(item, timeout=1)
                return
            except Full:
                if os.getppid() != parent:  # 父进程没了：没有人再取，别永远等着
                    os._exit(1)

    def produce() -> None:
        _die_with_parent(parent)
        try:
            for item in batches:
                put(item)
            put(None)
        except BaseException:
            put(traceback.format_exc())

    child = context.Process(target=produce, name="xinfang-generate", daemon=True)
    child.start()
    try:
        while True:
            try:
                item = queue.get(timeout=5)
            except Empty:
                if not child.is_alive():
                    raise RuntimeError(f"生成数据的子进程意外退出（退出码 {child.exitcode}）") from None
                continue
            if item is None:
                break
            if isinstance(item, str):
                raise RuntimeError("生成数据的子进程出错：\n" + item)
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


def print_progress(done: int, total: int, elapsed: float, stream=sys.stderr) -> None:
    """进度行：百分比、速度、预计剩余时间。"""
    rate = done / elapsed if elapsed else 0
    eta = (total - done) / rate if rate else 0
    end = "\r" if stream.isatty() and done < total else "\n"
    stream.write(f"  {done / total:6.1%}  {done:>10,}/{total:,} 件信访件  {rate:8,.0f} 件/秒  "
                 f"已用 {elapsed:5.0f} 秒  预计剩余 {eta:4.0f} 秒{end}")
    stream.flush()
