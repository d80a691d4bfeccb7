"""Unknown addresses: the JSON error under /api/, a page in the visitor's language elsewhere."""

from __future__ import annotations

from django.test import Client


def test_unknown_api_address_answers_the_contracts_json_error(db):
    response = Client().get("/api/v1/nothing-here", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found.", "rule": None}


def test_unknown_page_is_a_page_in_french(db):
    response = Client().get("/nulle-part/")

    assert response.status_code == 404
    assert '<html lang="fr">' in response.content.decode()
    assert "Page introuvable" in response.content.decode()
