"""`--json` output is JSON and nothing else, at the level of the process's file descriptor 1 (compiled
solvers such as HiGHS print from C, which an in-process CLI runner does not see)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

MECHOPT = str(Path(sys.executable).parent / "mechopt")
MODELS = Path(__file__).resolve().parents[1] / "models"


def _json(*args: str) -> object:
    done = subprocess.run([MECHOPT, *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_solving_every_model_prints_only_json() -> None:
    envelopes = _json("solve", str(MODELS), "--json")
    assert isinstance(envelopes, list) and len(envelopes) == len(list(MODELS.glob("*.toml")))
    assert all(e["format"] == "mechopt-result" for e in envelopes)


def test_stackelberg_by_the_milp_prints_only_json() -> None:
    envelope = _json("stackelberg", str(MODELS / "privacy_mean_estimation.toml"), "--sensitivity", "0.25",
                     "--method", "mip", "--json")
    assert envelope["kind"] == "stackelberg"
