"""Input CSVs are read as UTF-8 (with or without BOM) or, failing that, as GB18030 (Excel/WPS on a Chinese locale)."""

import csv

import pytest

from xinfang.ml.csvfile import SNIFF_BYTES, decoded_lines, detect_encoding, open_text

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


def test_a_utf8_file_with_a_damaged_line_stays_utf8_so_only_that_line_fails(tmp_path):
    good = "\n".join(f"{i},扣车停车费,停车场收费过高，请求减免" for i in range(200)).encode()
    path = tmp_path / "damaged.csv"
    path.write_bytes(good + b"\n201,\xff\xfe,broken\n" + good)
    assert detect_encoding(path) == "utf-8-sig"
    with open_text(path) as handle, pytest.raises(UnicodeDecodeError):
        list(csv.reader(handle))


def test_gbk_text_is_never_taken_for_damaged_utf8(tmp_path):
    # GBK read as UTF-8 forms an accidental well-formed character now and then; a whole file of it
    # is still GBK (the tests' own rows, repeated, and a long letter).
    letter = "本人驾驶的车辆于三月在高速公路出口被电子警察抓拍超速，但当时道路限速标志被树木遮挡，" * 6
    path = write(tmp_path / "gbk.csv", "gbk", ROWS * 50 + [["3", "", letter]])
    assert detect_encoding(path) == "gb18030"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_lines_decoded_one_by_one_give_the_rows_back_with_cells_that_span_lines(tmp_path, encoding):
    # Excel writes a cell with line breaks (a letter's paragraphs) quoted, with CRLF line ends.
    rows = ROWS + [["4", "多段", "第一段：扣车。\r\n第二段：请求返还。\n第三段"], ["5", "", "末行"]]
    path = write(tmp_path / "multi.csv", encoding, rows)
    with open(path, "rb") as handle:
        assert list(csv.reader(decoded_lines(handle, detect_encoding(path)))) == rows
