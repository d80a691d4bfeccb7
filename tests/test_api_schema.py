"""The OpenAPI schema at /api/schema/ matches the routes the code serves."""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db


def _routes(patterns, prefix: str) -> set[str]:
    paths = set()
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            paths |= _routes(pattern.url_patterns, route)
        else:
            assert isinstance(pattern, URLPattern)
            paths.add(re.sub(r"<int:(\w+)>", r"{\1}", route))
    return paths


def _served_api_paths() -> set[str]:
    api = next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/v1/")
    return _routes(api.url_patterns, "/api/v1/")


def test_schema_generates_valid_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == _served_api_paths()


def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_contract_error_shape_is_in_the_schema(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(target))

    error = yaml.safe_load(target.read_text())["components"]["schemas"]["Error"]

    assert {"code", "detail", "rule"} <= set(error["properties"])
