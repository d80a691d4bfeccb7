"""Hex strings, names and keywords read in one slice, exactly as pyHanko reads them byte by byte.

Installed in pyHanko's parser on import: every reader of the process, the
signer's included, reads with them.
"""

from __future__ import annotations

import binascii
import inspect
import re

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_DELIMITERS, PDF_WHITESPACE

# pyHanko's own reader, which the one below hands anything unusual to (unwrapped, should
# this module ever be imported again).
_pyhanko_read_hex_string = inspect.unwrap(generic.read_hex_string_from_stream)
_HEX_STRING_BODY = re.compile(b"[0-9A-Fa-f" + re.escape(PDF_WHITESPACE) + b"]*")


def read_hex_string(stream) -> generic.ByteStringObject | generic.TextStringObject:
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


read_hex_string.__wrapped__ = _pyhanko_read_hex_string
generic.read_hex_string_from_stream = read_hex_string


_pyhanko_read_until_delimiter = inspect.unwrap(generic.read_until_delimiter)
_pyhanko_decode_name = inspect.unwrap(generic._decode_name)
_DELIMITER = re.compile(b"[" + re.escape(PDF_WHITESPACE + PDF_DELIMITERS) + b"]")
# What a name may hold unescaped: printable ASCII but delimiters and "#", the escape.
_PLAIN_NAME = re.compile(
    b"[" + re.escape(bytes(sorted(set(range(0x21, 0x7F)) - set(PDF_DELIMITERS + b"#")))) + b"]*"
)


def read_until_delimiter(stream) -> bytes:
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


def decode_name(name_bytes: bytes) -> generic.NameObject:
    """Decode a name (the bytes after its ``/``) as pyHanko does, at once when nothing is escaped.

    A name with an escape (``#20``) or a byte that must be escaped is pyHanko's
    to decode, or to refuse.
    """
    if _PLAIN_NAME.fullmatch(name_bytes):
        return generic.NameObject("/" + name_bytes.decode("ascii"))
    return _pyhanko_decode_name(name_bytes)


read_until_delimiter.__wrapped__ = _pyhanko_read_until_delimiter
decode_name.__wrapped__ = _pyhanko_decode_name
generic.read_until_delimiter = read_until_delimiter
generic._decode_name = decode_name
