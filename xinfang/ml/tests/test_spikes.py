import numpy as np
import pytest

from xinfang.ml.spikes import DetectorOptions, _seasonal_factor, detect_series


def _seasonal(weeks, base=20.0, seed=0, amplitude=0.3):
    rng = np.random.default_rng(seed)
    t = np.arange(weeks)
    mu = base * np.exp(amplitude * np.sin(2 * np.pi * t / 52))
    return rng.poisson(mu), mu


def test_every_period_gets_a_result_and_the_glm_starts_after_two_years_of_history():
    y, _ = _seasonal(120)
    alarms = detect_series(y)
    assert len(alarms) == 120
    assert {a.method for a in alarms[: 2 * 52 + 3]} <= {"local", "none"}
    assert {a.method for a in alarms[2 * 52 + 3 :]} == {"farrington"}
    assert alarms[0].method == "none" and alarms[0].alarm is False


def test_an_outbreak_in_a_long_series_is_flagged_and_ordinary_weeks_are_not():
    y, mu = _seasonal(140, seed=1)
    y[130] = int(mu[130] + 6 * np.sqrt(mu[130]))
    alarms = detect_series(y)
    assert alarms[130].alarm and alarms[130].method == "farrington"
    assert alarms[130].expected == pytest.approx(mu[130], rel=0.3)
    # 131 may alarm on the two-week test because 130 was high: the same outbreak.
    others = [i for i in range(107, 140) if i not in (130, 131) and alarms[i].alarm]
    assert len(others) <= 1


def test_expected_follows_the_season_of_past_years():
    y, mu = _seasonal(150, seed=2, amplitude=0.6)
    alarms = detect_series(y)
    peak = max(range(107, 150), key=lambda i: mu[i])
    trough = min(range(107, 150), key=lambda i: mu[i])
    assert alarms[peak].expected > 1.5 * alarms[trough].expected


def test_a_past_outbreak_is_down_weighted_and_does_not_raise_the_baseline():
    y, mu = _seasonal(140, seed=3, amplitude=0.0)
    y[130 - 52 - 1 : 130 - 52 + 2] += 200  # last year's comparable weeks had an outbreak
    factor = DetectorOptions(seasonal="factor")  # Noufaily's model: the comparable weeks weigh most
    reweighted = detect_series(y, factor)[130]
    plain = detect_series(y, DetectorOptions(seasonal="factor", reweight_limit=float("inf")))[130]
    assert plain.expected > 100  # without the weights the outbreak becomes "normal"
    assert reweighted.expected < 30  # with them the baseline stays near the true 20
    # The harmonic season (the default) spreads the outbreak over the year's fit: without the weights
    # it inflates the spread; with them expected and line stay near an ordinary week's.
    reweighted = detect_series(y)[130]
    plain = detect_series(y, DetectorOptions(reweight_limit=float("inf")))[130]
    assert reweighted.expected < 30 and reweighted.upper < plain.upper / 2


def test_a_holiday_week_is_expected_to_be_quiet_so_the_dip_hides_nothing():
    weeks = 160
    holiday = np.zeros(weeks)
    holiday[[5, 57, 109, 150]] = 0.6  # the same week every year, like 春节
    rng = np.random.default_rng(4)
    mu = 30 * np.exp(-1.5 * holiday)
    y = rng.poisson(mu)
    with_calendar = detect_series(y, holiday=holiday)[150]
    without = detect_series(y)[150]
    assert with_calendar.expected < 0.6 * without.expected
    y[150] = 36  # a little above an ordinary week's count in the holiday week is a rise
    assert detect_series(y, holiday=holiday)[150].alarm


def test_a_steady_upward_trend_is_followed_by_the_expected_count():
    rng = np.random.default_rng(5)
    t = np.arange(160)
    y = rng.poisson(10 * np.exp(0.006 * t))
    alarms = detect_series(y)
    assert alarms[159].expected > 1.1 * alarms[107].expected
    assert sum(a.alarm for a in alarms[107:]) <= 3


def test_minimum_count_guard_keeps_a_rare_series_quiet():
    y = np.zeros(130, dtype=int)
    y[[10, 60, 100]] = 1
    y[125] = 3  # far above an expected ~0, but only 3 in the last four weeks
    alarms = detect_series(y)
    assert alarms[125].observed > alarms[125].upper
    assert not alarms[125].alarm
    y[122:126] = [2, 1, 1, 3]
    assert detect_series(y)[125].alarm


def test_a_short_series_uses_the_local_glm_and_signals_a_sustained_rise():
    y = np.array([10, 9, 11, 12, 8, 10, 11, 9] * 5)
    y[30:34] = [17, 18, 19, 18]
    alarms = detect_series(y)
    assert {a.method for a in alarms[10:]} == {"local"}
    assert any(a.alarm for a in alarms[30:34])
    assert not any(a.alarm for a in alarms[10:30])


def test_the_cusum_remains_available_for_short_series():
    y = np.array([10, 9, 11, 12, 8, 10, 11, 9] * 5)
    y[30:34] = [17, 18, 19, 18]
    alarms = detect_series(y, DetectorOptions(short_method="cusum"))
    assert {a.method for a in alarms[10:]} == {"cusum"}
    assert any(a.alarm for a in alarms[30:34])


def test_two_periods_together_can_alarm_when_neither_alone_does():
    rng = np.random.default_rng(11)
    t = np.arange(140)
    mu = 20 * np.exp(0.3 * np.sin(2 * np.pi * t / 52))
    y = rng.poisson(mu)
    single = detect_series(y)[130]
    y[129] = y[130] = int(single.upper)  # each at its own line, not above it
    result = detect_series(y)[130]
    assert result.observed <= result.upper
    assert result.pair_observed > result.pair_upper
    assert result.alarm and result.reason == "pair"
    assert not detect_series(y, DetectorOptions(alpha_pair=0))[130].alarm


def test_monthly_series_are_supported():
    rng = np.random.default_rng(7)
    y = rng.poisson(50, 40)
    y[38] = 110
    alarms = detect_series(y, DetectorOptions(period="month"))
    assert alarms[38].alarm and alarms[38].method == "farrington"
    assert sum(a.alarm for a in alarms[25:38]) <= 1


def test_two_thirds_power_threshold_is_available():
    y, _ = _seasonal(120, seed=8)
    nb = detect_series(y)[115]
    two_thirds = detect_series(y, DetectorOptions(threshold="two-thirds"))[115]
    assert two_thirds.expected == pytest.approx(nb.expected)
    assert two_thirds.upper > two_thirds.expected and nb.upper > nb.expected


def test_seasonal_factor_has_the_comparable_window_as_level_zero():
    lags = np.arange(0, 110)
    factor = _seasonal_factor(lags, 52, 3, 10)
    assert factor[52] == 0 and factor[49] == 0 and factor[55] == 0 and factor[104] == 0
    assert set(factor) == set(range(10))


def test_detect_last_gives_the_last_result_of_the_whole_series():
    from xinfang.ml.spikes import detect_last

    for weeks in (40, 130):
        y, _ = _seasonal(weeks, seed=9)
        assert detect_last(y) == detect_series(y)[-1]


def test_a_holiday_never_raises_the_expected_count():
    """节假日只会让信访少（它调整的是低谷）：基线里节假日那几周碰巧偏多时，拟合出的正系数是噪声，
    外推到整周放假会把预期抬高数倍、把一次七倍的上升藏起来（曾在他人数据的国庆周上发生）。"""
    import random

    r = random.Random(1)
    counts = [r.randint(3, 7) for _ in range(40)]
    holiday = [0.0] * 40
    for week in (12, 20, 28):
        counts[week], holiday[week] = 12, 0.4
    counts[38], holiday[38] = 30, 1.0
    alarm = detect_series(counts, holiday=holiday)[38]
    assert alarm.expected < 8 and alarm.alarm
