from datetime import datetime, timedelta

import numpy as np
from sklearn.metrics import adjusted_rand_score

from xinfang.ml.hot import Message, cluster_messages, extract_place, hot_issues

T0 = datetime(2026, 3, 1, 9, 0)

ISSUES = {
    "camera": ("A3区枫林路与岳麓大道路口", ["电子警察抓拍不合理", "抓拍摄像头乱拍违停", "电子眼误拍黄灯", "路口抓拍设备位置不对"],
               "这个路口的电子警察抓拍经常误拍，很多车主都被扣分罚款，请交警部门核查设备。"),
    "impound": ("A2区雨花停车场", ["扣车停车场收费太高", "车辆被扣停车费不合理", "停车场保管费每天乱收"],
                "车辆被暂扣到停车场后每天收取高额停车保管费，取车时还要另外交钱，希望整改收费。"),
    "school": ("A7县星沙实验小学", ["学校门口上下学拥堵", "小学门口接送车辆乱停", "上学时段交通堵塞"],
               "每天早上学校门口接送孩子的车辆乱停乱放，交通严重拥堵，希望安排交警疏导。"),
}

NOISE = [
    "咨询驾驶证换证需要什么材料", "反映公交站牌信息错误", "建议增加夜间出租车停靠点", "咨询外地车辆进城限行规定",
    "投诉物业乱收电梯费", "反映小区路灯不亮", "咨询摩托车上牌流程", "建议延长地铁运营时间", "反映农村道路破损",
    "咨询年检预约方式", "投诉网约车司机绕路", "反映河道垃圾堆积",
]


def _corpus(per_issue=6):
    messages, truth = [], []
    n = 0
    for label, (place, titles, body) in enumerate(ISSUES.values()):
        for i in range(per_issue):
            title = f"{place}{titles[i % len(titles)]}"
            messages.append(Message(str(n), title, f"{place}{body}第{i}次反映。", f"u{label}-{i}", T0 + timedelta(days=i)))
            truth.append(label)
            n += 1
    for i, title in enumerate(NOISE):
        messages.append(Message(str(n), title, f"{title}。", f"n{i}", T0 + timedelta(days=i)))
        truth.append(100 + i)
        n += 1
    return messages, np.array(truth)


def test_injected_issue_clusters_are_recovered():
    messages, truth = _corpus()
    labels = cluster_messages(messages)
    assert adjusted_rand_score(truth, labels) >= 0.8


def test_one_template_sent_about_two_estates_is_two_issues():
    body = "小区临街门面餐馆油烟直排，噪音扰民，长期影响居民休息，请环保部门处理。"
    messages = [Message(str(i), f"A5区{place}小区油烟扰民", body, f"u{i}", T0 + timedelta(days=i))
                for i, place in enumerate(["魅力之城", "魅力之城", "魅力之城", "润芳园", "润芳园", "润芳园"])]
    labels = cluster_messages(messages)
    assert len(set(labels[:3])) == 1 and len(set(labels[3:])) == 1
    assert labels[0] != labels[3]


def test_heat_counts_distinct_petitioners_above_repeated_messages():
    messages = []
    for i in range(8):  # one person writing eight times
        messages.append(Message(f"a{i}", "A3区枫林路路口电子警察抓拍不合理", "电子警察误拍，请核查设备。", "same",
                                T0 + timedelta(days=i)))
    for i in range(5):  # five people once each
        messages.append(Message(f"b{i}", "A2区雨花停车场扣车停车费太高", "停车保管费太高，请整改收费。", f"p{i}",
                                T0 + timedelta(days=i)))
    issues = hot_issues(messages, top=5)
    assert [i.petitioners for i in issues] == [5, 1]
    assert issues[0].rank == 1 and issues[0].heat > issues[1].heat
    assert set(issues[0].message_ids) == {f"b{i}" for i in range(5)}


def test_hot_issue_has_description_place_and_span():
    messages, _ = _corpus()
    top = hot_issues(messages, top=3)
    assert len(top) == 3
    first = top[0].as_json()
    assert set(first) == {"rank", "heat", "description", "place", "first", "last", "petitioners", "message_ids"}
    assert first["petitioners"] == 6 and len(first["message_ids"]) == 6
    assert first["first"] < first["last"]
    places = {issue.place for issue in top}
    assert any("停车场" in p for p in places) and any("小学" in p for p in places)
    # No message stands alone as an "issue".
    assert all(len(issue.message_ids) >= 2 for issue in top)


def test_extract_place_finds_named_places_not_phrases():
    assert "丽发新城" in extract_place("投诉A2区丽发新城附近建搅拌站噪音扰民")
    assert "魅力之城小区" in extract_place("魅力之城小区临街门面油烟直排扰民") or "魅力之城" in extract_place(
        "魅力之城小区临街门面油烟直排扰民")
    assert not any("临街" in p for p in extract_place("小区临街门面油烟直排扰民"))
    assert extract_place("咨询驾驶证换证需要什么材料") == []


def test_likes_order_equally_large_issues_but_never_lift_a_two_person_one_above_a_five_person_one():
    messages = [Message(f"a{i}", "A3区枫林路路口电子警察抓拍不合理", "电子警察误拍，请核查设备。", f"a{i % 2}",
                        T0 + timedelta(days=i), likes=5000) for i in range(6)]
    messages += [Message(f"b{i}", "A2区雨花停车场扣车停车费太高", "停车保管费太高，请整改收费。", f"p{i}",
                         T0 + timedelta(days=i)) for i in range(5)]
    issues = hot_issues(messages, top=5)
    assert [i.petitioners for i in issues] == [5, 2]


# Letters of one estate's grievance worded differently enough to fall into several average-linkage
# clusters, next to another grievance at the same estate and the same grievance at another estate.
MIXER = ["丽发新城小区旁边建搅拌站，噪音扰民", "丽发新城附近修建搅拌厂，粉尘污染严重", "丽发新城小区附近搅拌站彻夜施工，灰尘噪音",
         "反对在丽发新城居民区旁建混凝土搅拌站", "丽发新城搅拌站粉尘大，孩子无法开窗", "丽发新城附近违建搅拌站谁来监管"]


def test_one_estates_grievance_in_different_words_is_one_issue_and_another_grievance_there_is_not():
    messages = [Message(f"m{i}", title, f"{title}。搅拌站离小区只有一百米，每天噪音和灰尘不断，请环保部门处理。",
                        f"m{i}", T0 + timedelta(days=i)) for i, title in enumerate(MIXER)]
    messages += [Message(f"w{i}", "丽发新城小区内垃圾站散发臭味", "丽发新城小区内垃圾站常年不清理，散发严重臭味，请物业处理。",
                         f"w{i}", T0 + timedelta(days=i)) for i in range(4)]
    messages += [Message(f"o{i}", "怡海星城小区旁边建搅拌站，噪音扰民", "怡海星城小区旁边建搅拌站，每天噪音和灰尘不断，请环保部门处理。",
                         f"o{i}", T0 + timedelta(days=i)) for i in range(4)]
    labels = dict(zip((m.id for m in messages), cluster_messages(messages)))
    assert len({labels[f"m{i}"] for i in range(6)}) == 1
    assert labels["w0"] != labels["m0"] and labels["o0"] != labels["m0"]
    assert len({labels[f"w{i}"] for i in range(4)}) == 1 and len({labels[f"o{i}"] for i in range(4)}) == 1


def test_estate_names_are_cleaned_of_verbs_and_the_word_for_estate():
    assert extract_place("搅拌站大量加工砂石料噪音污水影响丽发新城小区环境") == ["丽发新城"]
    assert extract_place("投诉小区附近搅拌站噪音扰民，还我小区安宁") == []


def _templated(n):
    """生成器那样的模板文本：同一句式，只有日期与车牌不同（大语料路径要把它们切开又不并错注入的问题）。"""
    out = []
    for i in range(n):
        kind = ["对扣分有异议", "对扣车有异议", "事故处理超期未结"][i % 3]
        text = f"再次反映：{kind}。本人于2026年11月{1 + i % 28}日已经反映过，车牌湘A{i:05d}，至今没有答复。"
        out.append(Message(f"t{i}", text[:30], text, f"t{i}", T0 + timedelta(hours=i)))
    return out


def test_the_large_corpus_path_keeps_issues_and_splits_templated_components(monkeypatch):
    # 大语料路径（近邻搜索去掉常见 n 元、超大分量逐级切开）在小语料上打开：注入的问题仍各成一簇，
    # 模板文本的大分量被逐级切开，不与注入的问题混在一起。
    import xinfang.ml.hot as hot

    messages, truth = _corpus(per_issue=8)
    background = _templated(240)
    exact = cluster_messages(messages + background)
    monkeypatch.setattr(hot, "LARGE_CORPUS", 50)
    monkeypatch.setattr(hot, "MAX_LINKAGE", 40)
    labels = cluster_messages(messages + background)
    n = len(messages)
    assert adjusted_rand_score(truth, labels[:n]) >= 0.8
    assert not set(labels[:n][truth < 100]) & set(labels[n:])
    # 模板文本的 240 条连成一个超过 MAX_LINKAGE 的分量，被逐级切开：不止一簇
    assert len(set(labels[n:])) > 1
    assert adjusted_rand_score(exact[:n], labels[:n]) >= 0.8


def test_the_different_place_mask_matches_the_pairwise_rule():
    from xinfang.ml.hot import _different_places, _overlap

    places = [{"丽发新城"}, set(), {"丽发新城小区"}, {"伊景园"}, {"伊景园", "枫林路"}, {"枫林路"}, {"丽发新城"}]
    mask = _different_places(places)
    for i, a in enumerate(places):
        for j, b in enumerate(places):
            assert mask[i, j] == bool(a and b and not _overlap(a, b))


def test_the_kind_of_place_alone_is_no_place_and_named_kindergartens_stay_apart():
    # hot.csv: four kindergartens' enrolment questions were one issue, joined through a title whose
    # only "place" was the word 幼儿园 (contained in every kindergarten's name).
    assert extract_place("投诉A1区公寓幼儿园招生不透明") == []
    assert extract_place("咨询A7县普惠性幼儿园招生问题") == []
    assert extract_place("A3区中海业主的小孩都没办法上中海幼儿园") == ["中海幼儿园"]
    titles = ["A市美联幼儿园什么时候能招生", "反映A7县松雅湖幼儿园招生问题", "投诉A3区第三幼儿园违规招生",
              "A2区中建幼儿园招生不合理", "投诉A1区公寓幼儿园招生不透明", "咨询A7县普惠性幼儿园招生问题"]
    messages = [Message(f"k{i}", t, f"{t}，今年招生名额太少，请教育局说明招生办法。", f"k{i}", T0 + timedelta(days=i))
                for i, t in enumerate(titles)]
    labels = cluster_messages(messages)
    assert len(set(labels[:4])) == 4


def test_place_names_are_kept_whole():
    # A name many districts share keeps its district; a one-character suffix that begins a longer word
    # ("城际", "庭院") does not end the name.
    assert extract_place("A市长郡A1区实验中学组织学生补课") == ["长郡A1区实验中学"]
    assert extract_place("A3区实验中学组织学生有偿高价补习") == ["A3区实验中学"]
    assert extract_place("A市绿地城际空间站建筑质量堪忧") == ["绿地城际空间站"]
    assert extract_place("A市谷山庭院3期物业收钱不做事") == ["谷山庭院"]
    assert extract_place("A7县星沙实验小学门口拥堵") == ["星沙实验小学"]


def test_two_schools_sharing_a_generic_name_are_not_joined_through_it():
    messages = [Message("a0", "A3区实验中学组织学生有偿补课", "A3区实验中学组织学生有偿补课，每月收费。", "a0", T0),
                Message("a1", "A3区实验中学组织学生有偿补课", "A3区实验中学周末组织学生有偿补课。", "a1", T0),
                Message("b0", "A市长郡A1区实验中学组织学生有偿补课", "长郡A1区实验中学组织学生有偿补课，每月收费。", "b0", T0),
                Message("b1", "A市长郡A1区实验中学组织学生有偿补课", "长郡A1区实验中学周末组织学生有偿补课。", "b1", T0),
                Message("c0", "A市实验中学组织学生有偿补课", "实验中学组织学生有偿补课。", "c0", T0),
                Message("c1", "A市实验中学组织学生有偿补课", "实验中学周末组织学生有偿补课。", "c1", T0)]
    labels = dict(zip((m.id for m in messages), cluster_messages(messages)))
    assert labels["a0"] == labels["a1"] and labels["b0"] == labels["b1"]
    assert labels["a0"] != labels["b0"]
