"""What verification asks of pyHanko and asn1crypto, done with less work and the same results.

Verifying a ten-page document spends most of its time in pure Python inside
pyHanko: reading the file's objects, and mapping every path from the trailer
to every object of the revision an earlier signature covers (the diff
analysis needs it to tell what a later revision changed). Five places did far
more work than their result needs; each is redone here so that it returns
exactly what the original returns, and hands anything unusual to the
original. ``tests/documents/test_fast_paths.py`` holds each equal to the
original, by property tests and on whole signed documents, so an upgrade of
pyHanko that changes the original fails there rather than in a verdict (and
``pyproject.toml`` holds pyHanko to 0.38.x, so that an upgrade is a step
someone takes, with those tests):

- :func:`~.tokens.read_hex_string`: a hex string such as a signature's ``/Contents``
  (thousands of digits), read in one slice instead of a byte at a time
  (:mod:`.tokens`).
- :func:`~.tokens.read_until_delimiter` and :func:`~.tokens.decode_name`: a name or keyword,
  the tokens most objects are made of, read in one slice and, when nothing in
  it is escaped, decoded at once (:mod:`.tokens`).
- :meth:`~.reader.PdfReader._get_object_from_stream`: an object stream's header (the
  number and offset of each object it holds) read once per stream, instead of
  once for every object read from it (:mod:`.reader`).
- :meth:`~.reader.Revision._load_reverse_xref_cache`: the paths from the trailer to
  every indirect object, without a call, a path node and three type checks
  for every number, name and string of the file (a font's glyph widths alone
  are hundreds of numbers, reached once from every page) (:mod:`.reader`).
- :func:`~.certificate_names.ldap_string_prep`: the RFC 4518 preparation of a name's value
  before certificate names are compared (pure Python, character by
  character), kept for the strings already prepared: every signature
  compares the same portal and authority names (:mod:`.certificate_names`).

Nothing is skipped: every object pyHanko reads is read, every path is mapped,
every name is compared. The first, second and last are installed in pyHanko
and asn1crypto when this module is imported (signing reads the file too);
the other two belong to :class:`PdfReader`, which the verifier uses.
"""

from __future__ import annotations

from equity.documents.fast_paths import certificate_names, tokens
from equity.documents.fast_paths.reader import PdfReader

__all__ = ["PdfReader", "certificate_names", "tokens"]
