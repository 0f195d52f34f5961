"""`mechopt reproduce` end to end: --quick in a temporary folder (a local cluster of worker
processes), the report's sections, figures and certificates; a sweep killed with SIGKILL part way
and resumed, compared record by record with an uninterrupted run; the same sweep sent to a Dask
scheduler and worker started on localhost."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mechopt.reproductions.run import PAPERS, STORE, paper_sweeps

BIN = Path(sys.executable).parent
MECHOPT = str(BIN / "mechopt")


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([MECHOPT, "reproduce", *args], capture_output=True, text=True, timeout=timeout)


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _results(path: Path) -> dict[str, str]:
    """Each record's result (canonical JSON) by key; every key once."""
    records = [json.loads(line) for line in _lines(path)]
    keys = [r["key"] for r in records]
    assert len(keys) == len(set(keys)), "a point was stored twice"
    return {r["key"]: json.dumps(r["result"], sort_keys=True) for r in records}


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reproduce")
    done = _run("--quick", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_quick_report_has_every_section_figure_and_verified_certificate(quick: Path) -> None:
    report = (quick / "report.md").read_text()
    for paper in PAPERS:
        assert re.search(rf"^## {paper}: ", report, re.M), f"no section for paper {paper}"
    figures = re.findall(r"^!\[.*\]\((figures/[^)]+\.png)\)$", report, re.M)
    assert figures, "the report shows no figure"
    for name in figures:
        assert (quick / name).is_file() and (quick / name).stat().st_size > 1000, name
    assert "NOT verified" not in report
    counts = re.findall(r"### Certificates \((\d+) of (\d+) certificates verified\)", report)
    assert len(counts) == len(PAPERS) and all(a == b and int(b) > 0 for a, b in counts)
    page = (quick / "report.html").read_text()
    assert page.count("<img ") == len(figures) and 'src="data:image/png;base64,' in page
    assert not re.search(r'src="(?!data:)', page), "report.html must be self-contained"


def test_quick_store_holds_every_point_once(quick: Path) -> None:
    expected = {s.name: len(s.points) for p in PAPERS for s in paper_sweeps(p, quick=True)}
    records = [json.loads(line) for line in _lines(quick / STORE)]
    assert len(records) == sum(expected.values()) == len(_results(quick / STORE))
    for name, count in expected.items():
        assert sum(r["sweep"] == name for r in records) == count


def test_an_existing_store_needs_resume_or_force(quick: Path) -> None:
    done = _run("001", "--quick", "--out", str(quick))
    assert done.returncode == 2 and "--resume" in done.stderr


def test_resume_after_sigkill_loses_and_repeats_nothing(quick: Path, tmp_path: Path) -> None:
    paper = "002"
    store = tmp_path / STORE
    total = sum(len(s.points) for s in paper_sweeps(paper, quick=True))
    proc = subprocess.Popen([MECHOPT, "reproduce", paper, "--quick", "--workers", "1", "--out", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while len(_lines(store)) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its worker processes
        proc.wait()
    before = store.read_bytes()
    kept = len(_lines(store))
    assert 2 <= kept < total, f"the sweep was not killed part way ({kept} of {total} points stored)"

    done = _run(paper, "--quick", "--resume", "--workers", "1", "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{total - kept} computed in this run" in done.stdout.replace("\n", " ")
    after = store.read_bytes()
    assert after[: before.rfind(b"\n") + 1] == before[: before.rfind(b"\n") + 1], "finished records changed"
    uninterrupted = {k: v for k, v in _results(quick / STORE).items() if json.loads(k)["sweep"].startswith(paper)}
    assert _results(store) == uninterrupted


def test_the_same_sweep_runs_on_a_scheduler_given_by_address(quick: Path, tmp_path: Path) -> None:
    info = tmp_path / "scheduler.json"
    dask = str(BIN / "dask")
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(info)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(info.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        worker = subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out = tmp_path / "remote"
        done = _run("001", "--quick", "--scheduler", address, "--out", str(out))
        assert done.returncode == 0, done.stdout + done.stderr
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
    local = {k: v for k, v in _results(quick / STORE).items() if json.loads(k)["sweep"].startswith("001")}
    assert _results(out / STORE) == local


def test_no_scheduler_at_the_address_is_a_clear_error(tmp_path: Path) -> None:
    done = _run("001", "--quick", "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path))
    assert done.returncode == 2 and "--scheduler" in done.stderr


def test_an_unknown_paper_is_named(tmp_path: Path) -> None:
    done = _run("007", "--out", str(tmp_path))
    assert done.returncode == 2 and "PAPER" in done.stderr and "007" in done.stderr


def test_ctrl_c_stops_the_run_keeps_the_store_and_says_how_to_resume(tmp_path: Path) -> None:
    """SIGINT to the whole process group (a terminal's Ctrl-C): exit 130 with the resume hint, every
    stored line complete, no worker process left behind."""
    store = tmp_path / STORE
    proc = subprocess.Popen([MECHOPT, "reproduce", "002", "--out", str(tmp_path)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 240
    while len(_lines(store)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "--resume" in err
    assert store.read_bytes().endswith(b"\n") and len(_results(store)) >= 2
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the workers exit once their nannies are closed
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail("worker processes were left running 30 s after the command exited")


@pytest.mark.parametrize("args, field", [
    (["--out", "/dev/null/x"], "--out"),
    (["--scheduler", "not-an-address"], "--scheduler"),
])
def test_bad_places_are_clear_errors(tmp_path: Path, args: list[str], field: str) -> None:
    if "--out" not in args:
        args = [*args, "--out", str(tmp_path)]
    done = _run("001", "--quick", *args)
    assert done.returncode == 2 and field in done.stderr and "Traceback" not in done.stderr


def test_a_corrupt_store_is_named_before_anything_starts(tmp_path: Path) -> None:
    (tmp_path / STORE).write_text("not a record\n")
    done = _run("001", "--quick", "--resume", "--out", str(tmp_path))
    assert done.returncode == 2 and "line 1 is not a sweep record" in done.stderr and "Traceback" not in done.stderr


def test_force_deletes_nothing_when_an_option_is_wrong_and_only_its_own_files(tmp_path: Path) -> None:
    (tmp_path / STORE).write_text("")
    (tmp_path / "figures").mkdir()
    mine = tmp_path / "figures" / "mine.png"
    mine.write_bytes(b"not ours")
    done = _run("001", "--quick", "--force", "--scheduler", "tcp://127.0.0.1:9", "--workers", "2",
                "--out", str(tmp_path))
    assert done.returncode == 2 and (tmp_path / STORE).exists()
    done = _run("001", "--quick", "--force", "--out", str(tmp_path))
    assert done.returncode == 0 and mine.read_bytes() == b"not ours"
