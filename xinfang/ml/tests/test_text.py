import subprocess
import sys
import unicodedata

from xinfang.ml.text import dedupe_text, is_mostly_foreign, normalize_text, segment, user_dictionary_terms


def test_full_width_letters_digits_and_punctuation_become_half_width():
    assert normalize_text("ＡＢＣ１２３，ｘｙｚ！") == "abc123,xyz!"


def test_normalisation_equals_nfkc_then_lowercase_and_single_spaces():
    raw = "Cafe\u0301　①号  Ⅱ期…ＶＩＰ\t\n结束"
    expected = " ".join(unicodedata.normalize("NFKC", raw).lower().split())
    assert normalize_text(raw) == expected


def test_urls_emails_and_masking_runs_are_removed():
    text = normalize_text("详见 https://example.com/a?b=1 或 www.x.cn 联系 a.b@c.com 张** 先生")
    assert "http" not in text and "www" not in text and "@" not in text and "**" not in text
    assert text.startswith("详见") and text.endswith("先生")


def test_dedupe_text_drops_spacing_and_punctuation():
    assert dedupe_text("你好，  世界！ABC") == "你好世界abc"


def test_user_dictionary_keeps_traffic_terms_whole():
    words = segment("昨天电子警察拍到我闯红灯，驾驶证扣分罚款，还要去车管所拿事故认定书")
    for term in ("电子警察", "闯红灯", "驾驶证", "扣分", "罚款", "车管所", "事故认定书"):
        assert term in words


def test_segment_drops_punctuation_and_spaces():
    assert segment("违停， 罚款！") == ["违停", "罚款"]


def test_user_dictionary_has_about_fifty_terms():
    terms = user_dictionary_terms()
    assert len(terms) >= 50 and "非机动车" in terms and "酒驾" in terms


def test_foreign_text_is_detected():
    assert is_mostly_foreign("The traffic camera fined me twice")
    assert is_mostly_foreign("Привет, штраф за парковку")
    assert not is_mostly_foreign("交警罚款不合理 ok")


def test_importing_and_segmenting_prints_nothing_on_stderr():
    code = "from xinfang.ml.text import segment; segment('电子警察')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert done.stderr == ""


def test_ml_package_does_not_import_django():
    code = (
        "import sys, xinfang.ml, xinfang.ml.triage, xinfang.ml.dedupe, xinfang.ml.precedent, "
        "xinfang.ml.evaluation, xinfang.ml.cli, xinfang.ml.dedupe_bench; "
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr
