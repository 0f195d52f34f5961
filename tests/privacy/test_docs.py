"""The Python example of docs/privacy.md runs as written, and the model file answers Section 5.1."""

import re
from pathlib import Path

import numpy as np

DOC = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"


def test_privacy_doc_example_runs():
    (code,) = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    scope: dict = {}
    exec(compile(code, str(DOC), "exec"), scope)
    np.testing.assert_allclose(scope["fair_values_platform"](scope["g"]).platform, [[0, 1 / 3], [1 / 3, 5 / 9]])
    assert scope["r"].certificate.verified
