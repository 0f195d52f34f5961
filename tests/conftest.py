"""Shared test helpers."""

import copy

import pytest


def _edited(model: dict, path: tuple, value: object) -> dict:
    """A deep copy of a parsed model file with the field at ``path`` set to ``value``
    (deleted when ``value`` is ``KeyError``)."""
    model = copy.deepcopy(model)
    *parents, last = path
    target = model
    for key in parents:
        target = target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return model


@pytest.fixture
def edit_model():
    """The model-file editing helper, for malformed-field tests."""
    return _edited
