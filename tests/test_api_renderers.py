"""The orjson renderer of large API answers gives DRF's JSONRenderer's bytes, whatever the data."""
from __future__ import annotations

import json

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer

from claims.api.renderers import FastJSONRenderer

CASES = [
    {"results": [{"id": 1, "text": "Ünemployment fell to 4.2%", "score": 0.861, "tags": ["a"], "verdict": None}]},
    {"text": "line\u2028separator and paragraph\u2029separator"},
    {"at": datetime(2026, 11, 29, 4, 0, tzinfo=timezone.utc)},
    {"amount": Decimal("1.50")},
    {"errors": [{"message": ErrorDetail("Bad.", code="invalid")}]},
    {1: "integer key"},
    {"big": 2**70},
    [True, False, None, 0, -1, 0.5, 12345678.9, "\"quoted\" \\ slash </script>"],
]


@pytest.mark.parametrize("data", CASES)
def test_it_renders_the_same_bytes_as_drf(data):
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_it_indents_when_the_client_asks_like_drf():
    data = {"a": [1, 2]}
    media = "application/json; indent=2"
    assert FastJSONRenderer().render(data, media) == JSONRenderer().render(data, media)


def test_tiny_floats_differ_only_in_how_they_are_spelled():
    data = {"score": 1e-05}
    fast, drf = FastJSONRenderer().render(data), JSONRenderer().render(data)
    assert (fast, drf) == (b'{"score":0.00001}', b'{"score":1e-05}')
    assert json.loads(fast) == json.loads(drf)
