"""Four things verification asks of pyHanko and asn1crypto, done with less work, same results.

Verifying a ten-page document spends most of its time in pure Python inside
pyHanko: reading the file's objects, and mapping every path from the trailer
to every object of the revision an earlier signature covers (the diff
analysis needs it to tell what a later revision changed). Four places did far
more work than their result needs; each is redone here so that it returns
exactly what the original returns, and a property test holds each equal to
the original:

- :func:`_read_hex_string`: a hex string such as a signature's ``/Contents``
  (thousands of digits), read in one slice instead of a byte at a time.
- :meth:`PdfReader._get_object_from_stream`: an object stream's header (the
  number and offset of each object it holds) read once per stream, instead of
  once for every object read from it.
- :meth:`_Revision._load_reverse_xref_cache`: the paths from the trailer to
  every indirect object, without a call, a path node and three type checks
  for every number, name and string of the file (a font's glyph widths alone
  are hundreds of numbers, reached once from every page).
- :func:`_ldap_string_prep`: the RFC 4518 preparation of a name's value
  before names are compared (pure Python, character by character), kept for
  the strings already prepared. Every signature compares the same portal and
  authority names.

Nothing is skipped: every object pyHanko reads is read, every path is mapped,
every name is compared.
"""

from __future__ import annotations

import binascii
import inspect
import re
from collections import defaultdict
from functools import lru_cache
from io import BytesIO

from asn1crypto import x509
from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.misc import PDF_DELIMITERS, PDF_WHITESPACE
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader, RawPdfPath

# ---------------------------------------------------------------------------
# Hex strings


# pyHanko's own reader, which the one below hands anything unusual to (unwrapped, should
# this module ever be imported again).
_pyhanko_read_hex_string = inspect.unwrap(generic.read_hex_string_from_stream)
_HEX_STRING_BODY = re.compile(b"[0-9A-Fa-f" + re.escape(PDF_WHITESPACE) + b"]*")


def _read_hex_string(stream) -> generic.ByteStringObject | generic.TextStringObject:
    """Read a ``<...>`` hex string exactly as pyHanko does, in one slice instead of byte by byte.

    When the string holds anything but hex digits and whitespace before its
    ``>`` (a comment, a stray byte) or has no ``>``, pyHanko's own reader
    reads it from the start, so the object read and the error raised are
    always pyHanko's.
    """
    start = stream.tell()
    read = stream.read(4096)
    text = read
    while (end := text.find(b">")) < 0 and read:
        read = stream.read(len(text))
        text += read
    if end < 0 or not _HEX_STRING_BODY.fullmatch(text, 1, end):
        stream.seek(start)
        return _pyhanko_read_hex_string(stream)
    stream.seek(start + end + 1)
    digits = text[1:end].translate(None, PDF_WHITESPACE)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


_read_hex_string.__wrapped__ = _pyhanko_read_hex_string
generic.read_hex_string_from_stream = _read_hex_string


# ---------------------------------------------------------------------------
# Names and keywords: the tokens most of a file's objects are made of


_pyhanko_read_until_delimiter = inspect.unwrap(generic.read_until_delimiter)
_pyhanko_decode_name = inspect.unwrap(generic._decode_name)
_DELIMITER = re.compile(b"[" + re.escape(PDF_WHITESPACE + PDF_DELIMITERS) + b"]")
# What a name may hold unescaped: printable ASCII but delimiters and "#", the escape.
_PLAIN_NAME = re.compile(
    b"[" + re.escape(bytes(sorted(set(range(0x21, 0x7F)) - set(PDF_DELIMITERS + b"#")))) + b"]*"
)


def _read_until_delimiter(stream) -> bytes:
    """Read up to the next whitespace or delimiter, and leave the stream on it, as pyHanko does.

    pyHanko reads a byte at a time; this reads ahead and steps back. At the
    end of the stream both return what they read and stay at the end.
    """
    start = stream.tell()
    text = stream.read(64)
    searched = 0
    while (found := _DELIMITER.search(text, searched)) is None:
        more = stream.read(len(text) or 64)
        if not more:
            return text
        searched = len(text)
        text += more
    stream.seek(start + found.start())
    return text[: found.start()]


def _decode_name(name_bytes: bytes) -> generic.NameObject:
    """Decode a name (the bytes after its ``/``) as pyHanko does, at once when nothing is escaped.

    A name with an escape (``#20``) or a byte that must be escaped is pyHanko's
    to decode, or to refuse.
    """
    if _PLAIN_NAME.fullmatch(name_bytes):
        return generic.NameObject("/" + name_bytes.decode("ascii"))
    return _pyhanko_decode_name(name_bytes)


_read_until_delimiter.__wrapped__ = _pyhanko_read_until_delimiter
_decode_name.__wrapped__ = _pyhanko_decode_name
generic.read_until_delimiter = _read_until_delimiter
generic._decode_name = _decode_name


# ---------------------------------------------------------------------------
# Object streams and the paths to every object


class _StreamHeader:
    """The header of one object stream: where each object starts, read once.

    A header pyHanko would find anything wrong with (a number that does not
    parse, a negative or fractional one) is marked ``irregular``, and every
    object of that stream is then read by pyHanko's own code, so that what
    comes of a damaged stream is always pyHanko's doing.
    """

    __slots__ = ("data", "irregular", "offsets", "stream")

    def __init__(self, stream: generic.StreamObject) -> None:
        self.stream = stream
        self.data = stream.read_data(DecodePurpose.OBJECT_STREAM)
        self.offsets: dict[int, int] = {}
        self.irregular = False
        header = BytesIO(self.data)
        try:
            for _ in range(stream["/N"]):
                misc.read_non_whitespace(header, seek_back=True)
                number = generic.NumberObject.read_from_stream(header)
                misc.read_non_whitespace(header, seek_back=True)
                offset = generic.NumberObject.read_from_stream(header)
                misc.read_non_whitespace(header, seek_back=True)
                if not (_natural(number) and _natural(offset)):
                    raise ValueError("not an object number and offset")
                self.offsets.setdefault(number, offset)  # pyHanko takes the first
        except Exception:  # pyHanko's reader will say what it makes of these bytes
            self.irregular = True


def _natural(value) -> bool:
    return type(value) is generic.NumberObject and value >= 0


class PdfReader(PdfFileReader):
    """pyHanko's reader, with each object stream's header read once and a leaner path map.

    Only the non-strict reader the verifier uses is changed; a strict one
    reads as pyHanko's does.
    """

    def _get_object_from_stream(self, idnum, stmnum, idx):
        if self.strict:
            return super()._get_object_from_stream(idnum, stmnum, idx)
        stream = generic.Reference(stmnum, 0, self).get_object()
        assert isinstance(stream, generic.StreamObject)
        assert stream["/Type"] == "/ObjStm"
        if not (0 <= idx < stream["/N"]):
            return generic.NullObject()
        headers = self.__dict__.setdefault("_stream_headers", {})
        header = headers.get(stmnum)
        if header is None or header.stream is not stream:
            header = headers[stmnum] = _StreamHeader(stream)
        if header.irregular:
            return super()._get_object_from_stream(idnum, stmnum, idx)
        first = stream["/First"]
        offset = header.offsets.get(idnum)
        if offset is None:
            return generic.NullObject()
        data = BytesIO(header.data)
        data.seek(first + offset)
        try:
            obj = generic.read_object(data, generic.Reference(idnum, 0, self))
        except (misc.PdfStreamError, misc.PdfReadError):
            # pyHanko warns, and substitutes null: let it, from the same bytes
            return super()._get_object_from_stream(idnum, stmnum, idx)
        generic.read_non_whitespace(data, seek_back=True, allow_eof=True)
        return obj

    def get_historical_resolver(self, revision: int) -> HistoricalResolver:
        cache = self._historical_resolver_cache
        if revision not in cache:
            cache[revision] = _Revision(self, revision)
        return cache[revision]


_CONTAINERS = (generic.IndirectObject, generic.DictionaryObject, generic.ArrayObject)
_STRUCTURE_TREE_ROOT = ("/Root", "/StructTreeRoot")


class _Revision(HistoricalResolver):
    """One revision of the file, with pyHanko's map of paths to its objects built leaner."""

    def _load_reverse_xref_cache(self) -> None:
        """Map every indirect object to every path reaching it from the trailer, as pyHanko does.

        The same walk as pyHanko's: a page tree node only through its place
        in the tree, a structure element only from within the structure
        tree, no ``/Parent`` (nor ``/P`` in the structure tree), no cycle.
        Paths are tuples, root first, and a value that is neither a
        reference, a dictionary nor an array is not visited at all, since it
        leads nowhere.
        """
        if self._indirect_object_access_cache is not None:
            return
        page_tree, structure_tree = _tree_nodes(self)
        collected: defaultdict[generic.Reference, set[tuple]] = defaultdict(set)
        resolve = self.get_object
        indirect, dictionary, array = _CONTAINERS

        def walk(obj, path: tuple, seen: frozenset, in_structure_tree: bool) -> None:
            if isinstance(obj, indirect):
                ref = obj.reference
                if ref in seen:
                    return
                collected[ref].add(path)
                seen = seen | {ref}
                obj = resolve(ref)
                if page_tree.get(ref, path) != path:
                    return
                if not in_structure_tree and ref in structure_tree:
                    return
            if isinstance(obj, dictionary):
                for key, value in obj.items():
                    if key == "/Parent" or (in_structure_tree and key == "/P"):
                        continue
                    if isinstance(value, _CONTAINERS):
                        enters = key == "/K" and path == _STRUCTURE_TREE_ROOT
                        walk(value, (*path, key), seen, in_structure_tree or enters)
            elif isinstance(obj, array):
                for index, value in enumerate(obj):
                    if isinstance(value, _CONTAINERS):
                        walk(value, (*path, index), seen, in_structure_tree)

        walk(self.trailer_view, (), frozenset(), False)
        self._indirect_object_access_cache = {
            ref: {RawPdfPath(*path) for path in paths} for ref, paths in collected.items()
        }


def _tree_nodes(
    revision: HistoricalResolver,
) -> tuple[dict[generic.Reference, tuple], set[generic.Reference]]:
    """Return each page tree node's path and the structure tree's elements, as pyHanko does."""

    def page_tree_refs(node, path):
        for index, kid in enumerate(node["/Kids"]):
            kid_path = (*path, "/Kids", index)
            if isinstance(kid, generic.IndirectObject):
                yield kid.reference, kid_path
            kid = kid.get_object()
            if kid.get("/Type", None) == "/Pages":
                yield from page_tree_refs(kid, kid_path)

    def structure_elements(element):
        try:
            children = element["/K"]
        except KeyError:
            return
        if not isinstance(children, generic.ArrayObject):
            children = (children,)  # a single child need not be in an array
        for child in children:
            child_ref = None
            if isinstance(child, generic.IndirectObject):
                child_ref = child.reference
                child = child.get_object()
            if not isinstance(child, generic.DictionaryObject):
                continue  # marked content, not an element
            try:
                if child["/Type"] != "/StructElem":
                    continue
            except KeyError:
                pass  # /StructElem is the default
            if child_ref is not None:
                yield child_ref
            yield from structure_elements(child)

    pages_ref = revision.root.raw_get("/Pages")
    pages_path = ("/Root", "/Pages")
    page_tree: dict[generic.Reference, tuple] = {}
    if isinstance(pages_ref, generic.IndirectObject):
        page_tree[pages_ref.reference] = pages_path
    for ref, path in page_tree_refs(pages_ref.get_object(), pages_path):
        if ref in page_tree:
            raise misc.PdfReadError("Circular reference in page tree in mapping stage")
        page_tree[ref] = path
    structure_tree: set[generic.Reference] = set()
    try:
        root = revision.root.raw_get("/StructTreeRoot").get_object()
        for ref in structure_elements(root):
            if ref in structure_tree:
                raise misc.PdfReadError("Circular reference in structure tree in mapping stage")
            structure_tree.add(ref)
    except KeyError:
        pass
    return page_tree, structure_tree


# ---------------------------------------------------------------------------
# Names


_asn1crypto_ldap_string_prep = inspect.unwrap(x509.NameTypeAndValue._ldap_string_prep)


@lru_cache(maxsize=4096)
def _prepared(string: str) -> str:
    return _asn1crypto_ldap_string_prep(None, string)


def _ldap_string_prep(self, string: str) -> str:
    """Prepare a name's value for comparison (RFC 4518) as asn1crypto does, once per string.

    asn1crypto's preparation is a function of the string alone (it never
    reads ``self``); a string it refuses raises again each time, since
    failures are not kept.
    """
    return _prepared(string)


_ldap_string_prep.__wrapped__ = _asn1crypto_ldap_string_prep
x509.NameTypeAndValue._ldap_string_prep = _ldap_string_prep
