"""Shared test helpers and the Hypothesis profiles.

Profiles (issue 13):
- ``dev`` (the default): random draws and the example database, so every run may find a new case;
  a failure prints the falsifying example and a ``@reproduce_failure`` blob.
- ``ci``: derandomized (each property test draws the same examples on every run and machine, so a
  CI result is reproducible), no example database, no deadline, the blob printed with the example.

Neither profile has a deadline: timing must not decide a test.  The profile is the environment
variable ``HYPOTHESIS_PROFILE`` when set, else ``ci`` when ``CI`` is set to a true value (CI
services set ``CI=true``; ``.ci/run`` sets ``HYPOTHESIS_PROFILE=ci``), else ``dev``.  The test
command is the same everywhere (the README's); ``--hypothesis-profile=NAME`` overrides for one run.
"""

import copy
import os

import pytest
from hypothesis import HealthCheck, settings

# Parent: Hypothesis's "default" profile, not the active one (Hypothesis itself loads its own "ci"
# profile when CI is set to anything, which "dev" must not inherit).
settings.register_profile("dev", settings.get_profile("default"), derandomize=False, deadline=None, print_blob=True)
settings.register_profile("ci", settings.get_profile("default"), derandomize=True, database=None, deadline=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])


def _profile_name() -> str:
    if os.environ.get("HYPOTHESIS_PROFILE"):
        return os.environ["HYPOTHESIS_PROFILE"]
    ci = os.environ.get("CI", "").strip().lower()
    return "ci" if ci not in ("", "0", "false", "no") else "dev"


settings.load_profile(_profile_name())


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
