"""poppler-utils from the tests: pdfsig's verdicts, pdftotext's text, pdffonts' fonts.

pdfsig exits 0 even on a digest mismatch (2 only when nothing is signed), so
its verdict is read from its text, one block per signature.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader


@dataclass(frozen=True)
class PdfsigSignature:
    field: str
    signer: str
    validation: str
    certificate: str
    total_document_signed: bool

    @property
    def valid(self) -> bool:
        return self.validation == "Signature is Valid."


def _on_disk(data: bytes, directory: Path) -> Path:
    path = directory / "document.pdf"
    path.write_bytes(data)
    return path


def pdfsig(data: bytes, *, nssdir: Path | None = None) -> list[PdfsigSignature]:
    """Return pdfsig's reading of every signature of ``data``; [] when it finds none."""
    with tempfile.TemporaryDirectory() as directory:
        command = ["pdfsig"]
        if nssdir is not None:
            command += ["-nssdir", f"sql:{nssdir}"]
        result = subprocess.run(
            [*command, str(_on_disk(data, Path(directory)))],
            capture_output=True,
            text=True,
            check=False,
        )
    blocks = re.split(r"^Signature #\d+:\s*$", result.stdout, flags=re.MULTILINE)[1:]
    signatures = []
    for block in blocks:
        fields = dict(re.findall(r"^\s+- ([^:\n]+): (.*)$", block, flags=re.MULTILINE))
        signatures.append(
            PdfsigSignature(
                field=fields.get("Signature Field Name", ""),
                signer=fields.get("Signer Certificate Common Name", ""),
                validation=fields.get("Signature Validation", ""),
                certificate=fields.get("Certificate Validation", ""),
                total_document_signed="- Total document signed" in block,
            )
        )
    return signatures


def pdftotext(data: bytes, *, page: int | None = None) -> str:
    """Return the text of ``data`` (or of one page), whitespace folded to single spaces."""
    with tempfile.TemporaryDirectory() as directory:
        command = ["pdftotext", "-enc", "UTF-8"]
        if page is not None:
            command += ["-f", str(page), "-l", str(page)]
        result = subprocess.run(
            [*command, str(_on_disk(data, Path(directory))), "-"],
            capture_output=True,
            text=True,
            check=True,
        )
    return " ".join(result.stdout.split())


def page_count(data: bytes) -> int:
    """Return the number of pages pdfinfo counts."""
    with tempfile.TemporaryDirectory() as directory:
        result = subprocess.run(
            ["pdfinfo", str(_on_disk(data, Path(directory)))],
            capture_output=True,
            text=True,
            check=True,
        )
    return int(re.search(r"^Pages:\s+(\d+)$", result.stdout, flags=re.MULTILINE).group(1))


def fonts(data: bytes) -> list[dict[str, str]]:
    """Return pdffonts' table: one row per font, with its ``emb`` and ``sub`` columns."""
    with tempfile.TemporaryDirectory() as directory:
        result = subprocess.run(
            ["pdffonts", str(_on_disk(data, Path(directory)))],
            capture_output=True,
            text=True,
            check=True,
        )
    rows = []
    for line in result.stdout.splitlines()[2:]:
        columns = line.split()
        # name type... encoding emb sub uni object ID: the flags sit before the last two fields.
        rows.append({"name": columns[0], "emb": columns[-5], "sub": columns[-4]})
    return rows


def flipped(data: bytes, position: int) -> bytes:
    """Return ``data`` with one bit of the byte at ``position`` flipped."""
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


def inside_first_stream(data: bytes) -> int:
    """Return a position inside the first content stream: covered by every signature."""
    start = data.index(b"stream", data.index(b"/Length")) + len(b"stream") + 2
    return start + 20


def xmp(data: bytes) -> str:
    """Return the document's XMP metadata as pdfinfo prints it."""
    with tempfile.TemporaryDirectory() as directory:
        result = subprocess.run(
            ["pdfinfo", "-meta", str(_on_disk(data, Path(directory)))],
            capture_output=True,
            text=True,
            check=True,
        )
    return result.stdout


def embedded_files(data: bytes) -> dict[str, bytes]:
    """Return the files embedded in a PDF (its /EmbeddedFiles name tree), by name."""
    reader = PdfFileReader(BytesIO(data), strict=False)
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    return {
        str(names[index]): names[index + 1]["/EF"]["/F"].get_object().data
        for index in range(0, len(names), 2)
    }
