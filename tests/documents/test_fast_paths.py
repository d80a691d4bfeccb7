"""Each of the verifier's fast paths returns exactly what pyHanko's or asn1crypto's own returns."""

from __future__ import annotations

from io import BytesIO

import pytest
import weasyprint
from asn1crypto import x509
from hypothesis import example, given
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader

from equity.documents.fast_paths import certificate_names, reader, tokens
from equity.documents.signing import Certification, sign_pdf
from equity.documents.verification import verify_pdf
from tests.documents.conftest import offering_document, stored_bytes


def _outcome(read, *args) -> tuple[str, object]:
    """What a reader returns, written out as PDF; or the kind of error it raises."""
    try:
        result = read(*args)
    except Exception as error:  # the same kind of error is the same outcome
        return "error", type(error)
    if isinstance(result, generic.PdfObject):
        written = BytesIO()
        result.write_to_stream(written)
        return type(result).__name__, written.getvalue()
    return type(result).__name__, result


def _read_from(reader, data: bytes) -> tuple[tuple[str, object], int]:
    stream = BytesIO(data)
    return _outcome(reader, stream), stream.tell()


# ---------------------------------------------------------------------------
# Hex strings

HEX_BODY = st.lists(
    st.sampled_from([*b"0123456789abcdefABCDEF", *b" \n\r\t\f\x00", *b"%>g<\x80"]),
    max_size=40,
).map(bytes)


@given(body=HEX_BODY, after=st.sampled_from([b"", b">", b" /Name 12 >>", b"\n% c\n>"]))
def test_a_hex_string_reads_as_pyhankos_reader_reads_it(body, after):
    data = b"<" + body + after

    assert _read_from(tokens.read_hex_string, data) == _read_from(
        tokens._pyhanko_read_hex_string, data
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

    assert bytes(tokens.read_hex_string(stream).original_bytes) == value
    assert stream.read() == b" endobj"


# ---------------------------------------------------------------------------
# Names and keywords

TOKEN_BYTES = st.lists(
    st.sampled_from([*b"abcXYZ019_.-+#*", *b" \n\r\t\f\x00", *b"()<>[]{}/%", 0x80, 0xC3, 0xA9]),
    max_size=150,  # past the 64 bytes read ahead at once
).map(bytes)


@given(data=TOKEN_BYTES)
def test_reading_up_to_a_delimiter_reads_and_stops_as_pyhanko_does(data):
    assert _read_from(tokens.read_until_delimiter, data) == _read_from(
        tokens._pyhanko_read_until_delimiter, data
    )


@given(name=TOKEN_BYTES | st.binary(max_size=20))
def test_a_name_decodes_as_pyhanko_decodes_it(name):
    assert _outcome(tokens.decode_name, name) == _outcome(tokens._pyhanko_decode_name, name)


def test_an_escaped_name_is_still_decoded_and_a_bad_one_still_refused():
    assert tokens.decode_name(b"A#20B") == "/A B"
    with pytest.raises(generic.PdfReadError):
        tokens.decode_name(b"A\x80")


# ---------------------------------------------------------------------------
# Object streams


class _OneObjectStream(reader.PdfReader):
    """A reader whose every reference is one object stream, to read objects out of it."""

    def __init__(self, stream: generic.StreamObject) -> None:  # no file behind it
        self.strict = False
        self.stream = stream
        self._stream_headers = {}

    def get_object(self, ref, *args, **kwargs):
        return self.stream


OBJECT_BODIES = st.sampled_from(
    [b"42", b"<</A 1 /B [1 2 (x)]>>", b"[/N 3.5 true]", b"(text)", b"<<", b"]", b"null"]
)
HEADER_NOISE = st.sampled_from([b"", b"", b"", b" ", b"x", b"-1", b"1.5", b"%c\n"])


@given(
    entries=st.lists(
        st.tuples(st.integers(1, 3), OBJECT_BODIES, HEADER_NOISE), min_size=1, max_size=5
    ),
    declared_extra=st.integers(-1, 1),
)
@example(entries=[(1, b"42", b""), (1, b"(text)", b"")], declared_extra=0)  # the first one counts
def test_an_object_stream_yields_each_object_as_pyhanko_reads_it(entries, declared_extra):
    header, bodies = [], b""
    for number, body, noise in entries:
        header.append(b"%d %d%s" % (number, len(bodies), noise))
        bodies += body + b" "
    head = b" ".join(header) + b"\n"
    stream = generic.StreamObject(
        {
            "/Type": generic.NameObject("/ObjStm"),
            "/N": generic.NumberObject(len(entries) + declared_extra),
            "/First": generic.NumberObject(len(head)),
        },
        stream_data=head + bodies,
    )
    ours, pyhankos = _OneObjectStream(stream), _OneObjectStream(stream)

    for number in range(8):
        for index in range(-1, len(entries) + 1):
            assert _outcome(ours._get_object_from_stream, number, 9, index) == _outcome(
                PdfFileReader._get_object_from_stream, pyhankos, number, 9, index
            )


# ---------------------------------------------------------------------------
# The paths to every object, and every object, of real documents


def _tagged_signed_document() -> bytes:
    """A tagged PDF (with a structure tree) with links across pages, certified then signed."""
    pages = "".join(
        f'<h2 id="s{n}" style="break-before: page">Section {n}</h2>'
        f'<p>Voir <a href="#s{(n + 1) % 3}">la suite</a>.</p>'
        for n in range(3)
    )
    html = f'<html lang="fr"><h1>Document</h1>{pages}</html>'
    pdf = weasyprint.HTML(string=html).write_pdf(pdf_tags=True)
    return sign_pdf(pdf, reason="test", certification=Certification("Camille Gagnon", "R16"))


@pytest.fixture
def documents(opened) -> list[bytes]:
    return [stored_bytes(offering_document(opened, "fr")), _tagged_signed_document()]


def test_the_documents_have_what_the_fast_paths_must_get_right(documents):
    offering, tagged = (PdfFileReader(BytesIO(data), strict=False) for data in documents)

    assert "/StructTreeRoot" in tagged.root
    assert "/Outlines" in offering.root
    assert offering.xrefs.total_revisions == tagged.xrefs.total_revisions == 3
    assert offering.xrefs.object_streams_used_in(0)


def test_every_path_to_every_object_is_mapped_as_pyhanko_maps_it(documents):
    for data in documents:
        for revision in range(3):
            ours = reader.PdfReader(BytesIO(data), strict=False)
            pyhankos = PdfFileReader(BytesIO(data), strict=False)
            mine = ours.get_historical_resolver(revision)
            theirs = HistoricalResolver(pyhankos, revision)
            mine._load_reverse_xref_cache()
            theirs._load_reverse_xref_cache()

            assert type(mine) is reader.Revision
            assert mine._indirect_object_access_cache == theirs._indirect_object_access_cache
            assert len(mine._indirect_object_access_cache) > 10


def test_every_object_of_every_revision_reads_as_pyhanko_reads_it(documents):
    for data in documents:
        ours = reader.PdfReader(BytesIO(data), strict=False)
        pyhankos = PdfFileReader(BytesIO(data), strict=False)
        for revision in range(3):
            for ref in ours.xrefs.explicit_refs_in_revision(revision):
                assert _outcome(ours.get_object, ref, revision) == _outcome(
                    pyhankos.get_object, generic.Reference(ref.idnum, ref.generation), revision
                )


def test_the_verdict_on_a_document_is_the_same_through_pyhankos_own_reader(documents, monkeypatch):
    fast = [verify_pdf(data) for data in documents]
    monkeypatch.setattr("equity.documents.verification.PdfReader", PdfFileReader)

    assert [verify_pdf(data) for data in documents] == fast
    assert all(verdict.valid for verdict in fast)


# ---------------------------------------------------------------------------
# Names in certificates


@given(value=st.text(max_size=30) | st.sampled_from(["Ｌａ  Ｒｕｃｈｅ", "A\u00adB", "\ufffe"]))
def test_a_name_value_is_prepared_as_asn1crypto_prepares_it(value):
    assert _outcome(certificate_names.ldap_string_prep, None, value) == _outcome(
        certificate_names._asn1crypto_ldap_string_prep, None, value
    )


def test_pyhanko_and_asn1crypto_use_the_fast_paths():
    assert generic.read_hex_string_from_stream is tokens.read_hex_string
    assert generic.read_until_delimiter is tokens.read_until_delimiter
    assert generic._decode_name is tokens.decode_name
    assert x509.NameTypeAndValue._ldap_string_prep is certificate_names.ldap_string_prep
