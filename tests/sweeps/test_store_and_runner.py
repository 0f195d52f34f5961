"""The sweep store keeps every finished point exactly once, even when a write was cut short, and the
runner computes only what the store lacks (an in-process cluster of threads here; worker processes,
an external cluster and SIGKILL are tested end to end in tests/test_reproduce.py)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mechopt.sweeps import runner
from mechopt.sweeps import store as store_module
from mechopt.sweeps.runner import SweepError, local_client, run_sweeps
from mechopt.sweeps.store import StoreBusy, SweepStore, check_record, encode
from mechopt.sweeps.sweep import Sweep, point_key

CALLS: list[int] = []


def square(x: int) -> dict:
    CALLS.append(x)
    if x < 0:
        raise ValueError("negative")
    return {"x2": x * x}


def _record(x: int) -> dict:
    return {"key": point_key("sq", {"x": x}), "sweep": "sq", "params": {"x": x}, "result": {"x2": x * x},
            "status": None, "verified": None, "seconds": 0.0}


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


def not_json(x: int) -> dict:
    return {"x": {x}} if x else {1: 1, "a": 2}  # a set; keys that cannot be sorted


def nan_status(x: int) -> dict:
    return {"status": float("nan")}  # not a record: NaN is not its own status


def test_points_that_raise_or_return_no_dict_are_reported_and_not_stored(tmp_path: Path) -> None:
    sweeps = [Sweep("sq", square, ({"x": 1}, {"x": -1}, {"x": 2})), Sweep("list", not_a_dict, ({"x": 0},)),
              Sweep("set", not_json, ({"x": 0}, {"x": 1})), Sweep("nan", nan_status, ({"x": 0},))]
    with SweepStore(tmp_path / "s.jsonl") as store, local_client(1, processes=False) as client:
        with pytest.raises(SweepError, match="5 point") as failed:
            run_sweeps(sweeps, store, client)
    for why in ("negative", "returned list, expected a dict", "set is not JSON serializable", "'<' not supported",
                "status: nan is not the result's nan"):
        assert why in str(failed.value), why  # the message lists them in the order the points finished
    with SweepStore(tmp_path / "s.jsonl") as again:
        assert sorted(r["params"]["x"] for r in again.records.values()) == [1, 2]


def test_the_line_a_worker_encodes_is_the_line_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The main process writes the worker's line as it is: encoding there again would raise here."""
    path = tmp_path / "s.jsonl"
    with SweepStore(path) as store, local_client(1, processes=False) as client:
        monkeypatch.setattr(store_module, "encode", lambda record: pytest.fail("encoded again in the main process"))
        run_sweeps([Sweep("sq", square, ({"x": 3},))], store, client)
        record = store.records[point_key("sq", {"x": 3})]
    assert path.read_text() == encode(record) + "\n" == json.dumps(record, sort_keys=True) + "\n"


def tuples_and_number_keys(x: int) -> dict:
    return {"pair": (x, x + 1), "by_level": {1: [x]}, "status": "optimal"}


def test_a_run_hands_on_what_resume_reads(tmp_path: Path) -> None:
    """The records of a fresh run are the store's lines read back: a tuple comes as a list and a
    number as a key as a string, in this run as in a later ``--resume``."""
    seen: list[dict] = []
    sweeps = [Sweep("t", tuples_and_number_keys, ({"x": 2},))]
    with SweepStore(tmp_path / "s.jsonl") as store, local_client(1, processes=False) as client:
        results = run_sweeps(sweeps, store, client, lambda sweep, record: seen.append(record))
    assert results["t"] == [{"pair": [2, 3], "by_level": {"1": [2]}, "status": "optimal"}]
    with SweepStore(tmp_path / "s.jsonl") as again, local_client(1, processes=False) as client:
        assert seen == list(again.records.values())
        assert run_sweeps(sweeps, again, client) == results


def test_a_worker_of_another_version_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A remote worker whose mechopt returns the record alone (no store line)."""
    monkeypatch.setattr(runner, "_evaluate", lambda point, sweep, params: _record(params["x"]))
    with SweepStore(tmp_path / "s.jsonl") as store, local_client(1, processes=False) as client:
        with pytest.raises(SweepError, match="another version of mechopt"):
            run_sweeps([Sweep("sq", square, ({"x": 3},))], store, client)
        assert len(store) == 0


# --- every line checked when the store is opened (issue 18) ---------------------------------------

KEY = json.dumps(point_key("sq", {"x": 0}))


def _with(**changes: object) -> str:
    record = {**_record(0), **changes}
    return json.dumps({k: v for k, v in record.items() if v is not ...})


@pytest.mark.parametrize("line, why", [
    ('{"key": ' + KEY + '}', "missing sweep, params, result, status, verified, seconds"),
    (_with(result="a string"), "result: a JSON object expected, got str"),
    (_with(result=None), "result: a JSON object expected"),
    (_with(params=[0]), "params: a JSON object expected"),
    (_with(key=7), "key: a string expected"),
    (_with(sweep=None), "sweep: a string expected"),
    (_with(key=point_key("sq", {"x": 1})), "key: not the key of its sweep and params"),
    (_with(params={"x": 1}), "key: not the key of its sweep and params"),
    (_with(seconds=-1.0), "seconds"),
    (_with(seconds="1"), "seconds"),
    (_with(seconds=True), "seconds"),
    (_with(seconds=float("nan")), "seconds"),
    (_with(verified=True), "verified: True is not the result's None"),
    (_with(status="optimal"), "status"),
    (_with(status=...), "missing status"),
    (_with(extra=1), "unknown extra"),
    ('{"key": ' + KEY + ', "key": ' + KEY + '}', "the field 'key' appears twice"),
    ("[1, 2]", "a JSON object expected, got list"),
    ('"a string"', "a JSON object expected, got str"),
    ("1" * 5000, "not a sweep record"),
    ("[" * 100_000 + "]" * 100_000, "not a sweep record"),
    ("", "not a sweep record"),
])
def test_a_line_that_is_not_a_record_is_named_when_the_store_is_opened(tmp_path: Path, line: str, why: str) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(_record(1)) + "\n" + line + "\n" + json.dumps(_record(2)) + "\n")
    with pytest.raises(ValueError, match="is not a sweep record") as info:
        SweepStore(path)
    assert f"{path}: line 2 is not a sweep record" in str(info.value) and why in str(info.value)
    with SweepStore(path, load=False):  # the failed open released its lock
        pass


def test_a_point_on_two_lines_is_named(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (_record(0), _record(1), _record(0))))
    with pytest.raises(ValueError, match=r"line 3 is not a sweep record \(it repeats the point of line 1"):
        SweepStore(path)


def test_records_with_a_certificate_verdict_and_nan_results_load(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    result = {"status": ["optimal", "infeasible"], "verified": [True, None], "value": float("nan")}
    record = {**_record(0), "result": result, "status": result["status"], "verified": result["verified"],
              "seconds": 3}
    with SweepStore(path) as store:
        store.append(record)
    with SweepStore(path) as again:
        assert again.records[record["key"]]["status"] == ["optimal", "infeasible"]


def test_append_refuses_a_record_of_the_wrong_shape(tmp_path: Path) -> None:
    with SweepStore(tmp_path / "s.jsonl") as store:
        with pytest.raises(ValueError, match="result"):
            store.append({**_record(0), "result": "x"})
        assert len(store) == 0
    assert (tmp_path / "s.jsonl").read_bytes() == b""


def test_check_record_returns_a_good_record() -> None:
    assert check_record(_record(4)) == _record(4)


@pytest.mark.parametrize("load", [True, False])
def test_a_store_that_is_not_a_regular_file_is_refused_at_once(tmp_path: Path, load: bool) -> None:
    path = tmp_path / "s.jsonl"
    path.symlink_to("/dev/zero")  # read to its end, it never ends
    with pytest.raises(ValueError, match="symbolic link; a store is a regular file"):
        SweepStore(path, load=load)
    mine = tmp_path / "mine.txt"
    mine.write_text("not a store")
    path.unlink()
    path.symlink_to(mine)  # starting over must not empty the file a link points to
    with pytest.raises(ValueError, match="symbolic link"):
        SweepStore(path, load=load)
    assert mine.read_text() == "not a store"
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(ValueError, match="not a regular file"):
        SweepStore(path, load=load)


# --- starting over under the lock (issue 18) ------------------------------------------------------

def test_load_false_locks_without_reading_and_clear_starts_over(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text("not a record\n")  # a corrupt store can still be started over
    with SweepStore(path, load=False) as store:
        assert len(store) == 0 and path.read_text() == "not a record\n"
        with pytest.raises(RuntimeError, match="clear"):
            store.append(_record(0))
        with pytest.raises(StoreBusy):
            SweepStore(path, load=False)
        store.clear()
        assert path.read_bytes() == b""
        store.append(_record(0))
    with SweepStore(path) as again:
        assert list(again.records) == [point_key("sq", {"x": 0})]


HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from mechopt.sweeps.store import SweepStore
    store = SweepStore(Path(sys.argv[1]))
    print("holding", flush=True)
    sys.stdin.read()  # until the test closes our stdin
    store.close()
""")


def test_another_process_holding_the_store_refuses_both_resume_and_starting_over(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    with SweepStore(path) as store:
        store.append(_record(0))
    before = path.read_bytes()
    inode = path.stat().st_ino
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        for load in (True, False):
            with pytest.raises(StoreBusy, match="another run"):
                SweepStore(path, load=load)
        assert path.read_bytes() == before and path.stat().st_ino == inode
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    with SweepStore(path, load=False) as store:  # free once that process closed it
        store.clear()
    assert path.read_bytes() == b""


# --- the local cluster starts no dashboard (issue 18) ---------------------------------------------

CLUSTER = textwrap.dedent("""
    from mechopt.sweeps.runner import local_client, shutdown
    client = local_client(1, processes=False)
    assert client.submit(abs, -3).result() == 3
    shutdown(client)
""")


def test_a_local_cluster_says_nothing_when_port_8787_is_taken() -> None:
    """Two runs at once printed Dask's "Port 8787 is already in use": the scheduler's HTTP server
    now listens on a free port."""
    taken = socket.socket()
    try:
        try:
            taken.bind(("0.0.0.0", 8787))
            taken.listen()
        except OSError:
            pass  # someone else has it: the same situation
        done = subprocess.run([sys.executable, "-W", "always", "-c", CLUSTER], capture_output=True, text=True,
                              timeout=120, env={**os.environ, "PYTHONWARNINGS": "always"})
    finally:
        taken.close()
    assert done.returncode == 0, done.stderr
    assert "8787" not in done.stderr and "already in use" not in done.stderr, done.stderr


# --- the local cluster's workers keep the C library's memory settings ------------------------------

WORKER_ENVIRON = textwrap.dedent("""
    import json, os
    from mechopt.sweeps.runner import local_client, shutdown
    if __name__ == "__main__":
        client = local_client(1)
        names = ("MALLOC_TRIM_THRESHOLD_", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
        print(json.dumps(list(client.run(lambda: [os.environ.get(k) for k in names]).values())[0]))
        shutdown(client)
""")


@pytest.mark.parametrize("ours", [None, "1234"])
def test_worker_processes_keep_glibc_memory_settings_and_one_blas_thread(tmp_path: Path, ours: str | None) -> None:
    """Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536 (every large temporary array mapped
    afresh); the local cluster's workers get the environment's value, or none, and still one BLAS
    thread each."""
    script = tmp_path / "workers.py"
    script.write_text(WORKER_ENVIRON)
    env = {k: v for k, v in os.environ.items()
           if k not in ("MALLOC_TRIM_THRESHOLD_", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    if ours is not None:
        env["MALLOC_TRIM_THRESHOLD_"] = ours
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == [ours, "1", "1"]
