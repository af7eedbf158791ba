"""测试用的合成语料：三类交警信访，每类有自己的用词，足以训练出可靠的小模型。"""

import random

VOCABULARY = {
    "camera": ["电子警察", "抓拍", "闯红灯", "违章记录", "罚款二百元", "路口监控", "扣六分"],
    "impound": ["扣车", "停车场", "车辆被扣", "返还车辆", "保管费", "扣押凭证", "提车"],
    "accident": ["事故认定", "责任划分", "对方全责", "赔偿", "认定书", "事故现场", "保险理赔"],
}
FILLER = ["我于上月", "在市区", "请求领导", "尽快处理", "给予答复", "非常着急", "希望核实", "民警告知"]


def corpus(per_class: int = 40, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for label, words in VOCABULARY.items():
        for _ in range(per_class):
            parts = rng.sample(words, 4) + rng.sample(FILLER, 3)
            rng.shuffle(parts)
            texts.append("，".join(parts) + "。")
            labels.append(label)
    return texts, labels
