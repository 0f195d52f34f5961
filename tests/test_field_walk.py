"""Every field of every kind's answer is bound or listed as unchecked (tests/field_walk.py)."""

from __future__ import annotations

import json

import pytest

from mechopt.io.registry import answer_model, verify_envelope
from field_walk import walk
from honest_models import HONEST_MODELS


@pytest.mark.parametrize("name", list(HONEST_MODELS))
def test_every_field_is_bound_or_listed(name: str) -> None:
    envelope = json.loads(json.dumps(answer_model(HONEST_MODELS[name])))
    found = walk(envelope, verify_envelope)
    assert found == {"uncovered": [], "accepted": [], "changed": []}
