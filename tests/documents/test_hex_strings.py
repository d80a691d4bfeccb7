"""The verifier's reader of PDF hex strings reads exactly what pyHanko's own reads."""

from __future__ import annotations

from io import BytesIO

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic

from equity.documents import verification

BODY_BYTES = st.lists(
    st.sampled_from([*b"0123456789abcdefABCDEF", *b" \n\r\t\f\x00", *b"%>g<\x80"]),
    max_size=40,
).map(bytes)


def _read(reader, data: bytes) -> tuple[str, object, int | None]:
    stream = BytesIO(data)
    try:
        result = reader(stream)
    except Exception as error:  # the same kind of error is the same outcome
        return "error", type(error), None
    return type(result).__name__, bytes(result.original_bytes), stream.tell()


@given(body=BODY_BYTES, after=st.sampled_from([b"", b">", b" /Name 12 >>", b"\n% c\n>"]))
def test_a_hex_string_reads_as_pyhankos_reader_reads_it(body, after):
    data = b"<" + body + after

    assert _read(verification._read_hex_string, data) == _read(
        verification._pyhanko_read_hex_string, data
    )


@pytest.mark.parametrize(
    ("data", "value"),
    [
        (b"<48656C6C6F>", b"Hello"),
        (b"<30 82\n01 0>", b"\x30\x82\x01\x00"),
        (b"<" + b"0" * 20_000 + b">", bytes(10_000)),
    ],
)
def test_a_signature_sized_hex_string_is_read_whole(data, value):
    stream = BytesIO(data + b" endobj")

    assert bytes(verification._read_hex_string(stream).original_bytes) == value
    assert stream.read() == b" endobj"


def test_pyhanko_reads_hex_strings_with_the_verifiers_reader():
    assert generic.read_hex_string_from_stream is verification._read_hex_string
