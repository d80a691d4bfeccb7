"""pyHanko's reader with each object stream's header read once, and a leaner map of paths."""

from __future__ import annotations

from collections import defaultdict
from io import BytesIO

from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader, RawPdfPath


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

    def __init__(self, *args, **kwargs) -> None:
        self._stream_headers: dict[int, _StreamHeader] = {}  # before pyHanko starts reading
        super().__init__(*args, **kwargs)

    def _get_object_from_stream(self, idnum, stmnum, idx):
        if self.strict:
            return super()._get_object_from_stream(idnum, stmnum, idx)
        stream = generic.Reference(stmnum, 0, self).get_object()
        assert isinstance(stream, generic.StreamObject)
        assert stream["/Type"] == "/ObjStm"
        if not (0 <= idx < stream["/N"]):
            return generic.NullObject()
        header = self._stream_headers.get(stmnum)
        if header is None or header.stream is not stream:
            header = self._stream_headers[stmnum] = _StreamHeader(stream)
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
            cache[revision] = Revision(self, revision)
        return cache[revision]


_CONTAINERS = (generic.IndirectObject, generic.DictionaryObject, generic.ArrayObject)
_STRUCTURE_TREE_ROOT = ("/Root", "/StructTreeRoot")


class Revision(HistoricalResolver):
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
