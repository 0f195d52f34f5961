"""The sweep store keeps every finished point exactly once, even when a write was cut short, and the
runner computes only what the store lacks (an in-process cluster of threads here; worker processes,
an external cluster and SIGKILL are tested end to end in tests/test_reproduce.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mechopt.sweeps.runner import SweepError, local_client, run_sweeps
from mechopt.sweeps.store import StoreBusy, SweepStore
from mechopt.sweeps.sweep import Sweep, point_key

CALLS: list[int] = []


def square(x: int) -> dict:
    CALLS.append(x)
    if x < 0:
        raise ValueError("negative")
    return {"x2": x * x}


def _record(x: int) -> dict:
    return {"key": point_key("sq", {"x": x}), "sweep": "sq", "params": {"x": x}, "result": {"x2": x * x},
            "seconds": 0.0}


def test_store_round_trip_and_refuses_a_second_record_of_a_point(tmp_path: Path) -> None:
    with SweepStore(tmp_path / "s.jsonl") as store:
        for x in range(3):
            store.append(_record(x))
    with SweepStore(tmp_path / "s.jsonl") as again:
        assert len(again) == 3 and again.records[point_key("sq", {"x": 2})]["result"] == {"x2": 4}
        with pytest.raises(ValueError, match="already holds"):
            again.append(_record(1))


def test_an_open_store_is_locked_against_a_second_run(tmp_path: Path) -> None:
    with SweepStore(tmp_path / "s.jsonl"):
        with pytest.raises(StoreBusy, match="another run"):
            SweepStore(tmp_path / "s.jsonl")
    SweepStore(tmp_path / "s.jsonl").close()  # free again once closed


def test_a_line_cut_short_is_dropped_and_cut_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    with SweepStore(path) as store:
        store.append(_record(0))
        store.append(_record(1))
    whole = path.read_bytes()
    path.write_bytes(whole + json.dumps(_record(2)).encode()[:25])  # killed in the middle of a write
    with SweepStore(path) as again:
        assert len(again) == 2 and path.read_bytes() == whole
        again.append(_record(2))
    assert [json.loads(line)["params"]["x"] for line in path.read_text().splitlines()] == [0, 1, 2]


def test_a_corrupt_complete_line_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(_record(0)) + "\nnot json\n")
    with pytest.raises(ValueError, match="line 2 is not a sweep record"):
        SweepStore(path)


def test_a_sweep_may_not_list_a_point_twice() -> None:
    with pytest.raises(ValueError, match="points"):
        Sweep("sq", square, ({"x": 1}, {"x": 1}))


def test_runner_computes_only_missing_points_and_keeps_the_order(tmp_path: Path) -> None:
    CALLS.clear()
    with SweepStore(tmp_path / "s.jsonl") as store, local_client(2, processes=False) as client:
        store.append(_record(3))
        out = run_sweeps([Sweep("sq", square, tuple({"x": x} for x in range(6)))], store, client)
    assert out["sq"] == [{"x2": x * x} for x in range(6)]
    assert sorted(CALLS) == [0, 1, 2, 4, 5]
    with SweepStore(tmp_path / "s.jsonl") as again:
        assert len(again) == 6


def not_a_dict(x: int) -> list:
    return [x]


def test_points_that_raise_or_return_no_dict_are_reported_and_not_stored(tmp_path: Path) -> None:
    sweeps = [Sweep("sq", square, ({"x": 1}, {"x": -1}, {"x": 2})), Sweep("list", not_a_dict, ({"x": 0},))]
    with SweepStore(tmp_path / "s.jsonl") as store, local_client(1, processes=False) as client:
        with pytest.raises(SweepError, match="(?s)2 point.*negative.*expected a dict"):
            run_sweeps(sweeps, store, client)
    with SweepStore(tmp_path / "s.jsonl") as again:
        assert sorted(r["params"]["x"] for r in again.records.values()) == [1, 2]
