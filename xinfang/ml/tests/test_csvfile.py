"""Input CSVs are read as UTF-8 (with or without BOM) or, failing that, as GB18030 (Excel/WPS on a Chinese locale)."""

import csv

import pytest

from xinfang.ml.csvfile import SNIFF_BYTES, detect_encoding, open_text

ROWS = [["id", "title", "text"], ["1", "扣车停车费", "停车场收费过高，请求减免"], ["2", "", "电子警察抓拍有误"]]


def write(path, encoding, rows=ROWS):
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_a_file_in_any_of_the_encodings_offices_save_reads_back_the_same_rows(tmp_path, encoding):
    path = write(tmp_path / "m.csv", encoding)
    with open_text(path) as handle:
        assert list(csv.reader(handle)) == ROWS


def test_a_utf8_character_cut_at_the_end_of_the_sniffed_part_is_not_taken_for_gbk(tmp_path):
    # Fill up to one byte short of the sample, then a three-byte character that straddles its end.
    path = tmp_path / "long.csv"
    path.write_bytes(b"a" * (SNIFF_BYTES - 1) + "信访".encode())
    assert detect_encoding(path) == "utf-8-sig"
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("信访".encode("gbk"))
    assert detect_encoding(gbk) == "gb18030"
