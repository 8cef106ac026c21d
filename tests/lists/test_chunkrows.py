"""Reading a chunk a line at a time gives exactly what ``csv`` gives, or declines to."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from optout.lists.engine.chunkrows import RowReader

fields = st.one_of(
    st.sampled_from(["kari@example.no", " Ola@Example.no", "", "x"]),
    st.text(alphabet=st.sampled_from('ab,"\r\n ø\x00\udcff'), max_size=5),
)
rows = st.lists(st.tuples(st.lists(fields, max_size=4), st.sampled_from(["\n", "\r\n", "\r"])), max_size=12)
raw = st.lists(st.text(alphabet=st.sampled_from('a,"\r\n'), max_size=6), max_size=4).map("".join)


@given(rows=rows, junk=raw, lang=st.booleans(), width=st.sampled_from([1, 3]))
def test_lines_are_read_as_csv_reads_them(rows, junk, lang, width):
    buffer = io.StringIO()
    for fields_, end in rows:
        csv.writer(buffer, lineterminator=end).writerow(fields_)
    text = buffer.getvalue() + junk
    reader = RowReader(width, 0, 2 if lang and width == 3 else None)
    fast = reader.read_lines(text)
    assert fast is None or fast == reader.read_records(text)


def test_plain_and_quoted_lines_are_read_a_line_at_a_time():
    text = 'kari@example.no,Kari,"Oslo, Grünerløkka"\r\nola@example.no,Ola,Bergen\r\n\r\nbad,row\r\n'
    rows = RowReader(3, 0, None).read_lines(text)
    assert rows is not None
    assert rows.addresses == ["kari@example.no", "ola@example.no"]
    assert rows.texts == ['kari@example.no,Kari,"Oslo, Grünerløkka"', "ola@example.no,Ola,Bergen"]
    assert rows.bad == [(4, "2 fields where the header has 3")]


@given(rows=rows, junk=raw)
def test_bytes_are_read_as_csv_reads_their_text(rows, junk):
    buffer = io.StringIO()
    for fields_, end in rows:
        csv.writer(buffer, lineterminator=end).writerow(fields_)
    data = (buffer.getvalue() + junk).encode("utf-8", "surrogateescape")  # "\udcff" is the byte 0xff
    reader = RowReader(3, 0, None)
    assert reader.read(data) == reader.read_records(data.decode("utf-8", "surrogateescape"))
