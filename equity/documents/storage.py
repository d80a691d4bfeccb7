"""Signed PDFs in Django's storage (``STORAGES["documents"]``), named by their SHA-256.

A name is a content address: the same bytes always get the same name, and a
stored file is never overwritten or deleted. Reading a file checks its hash
again, so a file altered on disk is refused rather than served.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

from equity.documents.exceptions import DocumentTampered

logger = logging.getLogger(__name__)


def document_storage() -> Storage:
    """Return the storage that holds the signed documents."""
    return storages["documents"]


def file_name(sha256: str) -> str:
    """Return the storage name of the file whose SHA-256 is ``sha256``."""
    return f"{sha256[:2]}/{sha256}.pdf"


def store_pdf(data: bytes) -> tuple[str, str]:
    """Store ``data`` unless already stored; return its SHA-256 and its storage name."""
    sha256 = hashlib.sha256(data).hexdigest()
    name = file_name(sha256)
    storage = document_storage()
    if not storage.exists(name):
        saved = storage.save(name, ContentFile(data))
        if saved != name:
            # Another process stored the same bytes in between; keep one copy.
            storage.delete(saved)
    return sha256, name


def read_pdf(name: str, *, sha256: str) -> bytes:
    """Return the stored bytes of ``name``, refusing them unless they hash to ``sha256``."""
    with document_storage().open(name, "rb") as stored:
        data = stored.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        logger.error("Stored document %s no longer hashes to its recorded SHA-256 %s", name, sha256)
        raise DocumentTampered()
    return data
