"""`mechopt reproduce` end to end: --quick in a temporary folder (a local cluster of worker
processes), the report's sections, figures and certificates; a sweep killed with SIGKILL part way
and resumed, compared record by record with an uninterrupted run; the same sweep sent to a Dask
scheduler and worker started on localhost."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mechopt.reproductions.run import PAPERS, STORE, paper_sweeps
from mechopt.sweeps.sweep import point_key

BIN = Path(sys.executable).parent
MECHOPT = str(BIN / "mechopt")


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([MECHOPT, "reproduce", *args], capture_output=True, text=True, timeout=timeout)


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _timeless(data: object) -> object:
    """``data`` without its wall-clock times (the ``seconds`` and ``solve_seconds`` of the answers'
    stats in result envelopes: fields no certifier checks, which differ from run to run)."""
    if isinstance(data, dict):
        return {k: _timeless(v) for k, v in data.items() if not k.endswith("seconds")}
    if isinstance(data, list):
        return [_timeless(v) for v in data]
    return data


def _results(path: Path) -> dict[str, str]:
    """Each record's result (canonical JSON, without wall-clock times) by key; every key once."""
    records = [json.loads(line) for line in _lines(path)]
    keys = [r["key"] for r in records]
    assert len(keys) == len(set(keys)), "a point was stored twice"
    return {r["key"]: json.dumps(_timeless(r["result"]), sort_keys=True) for r in records}


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
    sections = re.split(r"^## ", report, flags=re.M)[1:]
    for section in sections:  # each paper's inventory: every item with one of the three outcomes
        assert "### Every figure, table, theorem and algorithm of the paper" in section, section[:40]
        rows = re.findall(r"^\| (.+?) \| (.+?) \| .+ \|$", section.split("### Every figure", 1)[1].split("###")[0], re.M)
        outcomes = {outcome for _, outcome in rows[1:]}  # rows[0]: the header
        assert rows[1:] and outcomes <= {"reproduced", "reproduced with a difference", "not reproducible here"}, outcomes
    page = (quick / "report.html").read_text()
    assert page.count("<img ") == len(figures) and 'src="data:image/png;base64,' in page
    assert not re.search(r'src="(?!data:)', page), "report.html must be self-contained"


def test_quick_store_holds_every_point_once(quick: Path) -> None:
    expected = {s.name: len(s.points) for p in PAPERS for s in paper_sweeps(p, quick=True)}
    records = [json.loads(line) for line in _lines(quick / STORE)]
    assert len(records) == sum(expected.values()) == len(_results(quick / STORE))
    for name, count in expected.items():
        assert sum(r["sweep"] == name for r in records) == count


def test_stored_envelopes_verify_with_the_status_their_records_state(quick: Path) -> None:
    """Papers 000, 001 and 002: every record carrying a result envelope gets, from `verify_envelope`
    (the kind's certifier on the model and answer read back from the store), the status and verdict
    the record states; the report read them from these records."""
    from mechopt.io.registry import verify_envelope

    records = [r for r in map(json.loads, _lines(quick / STORE))
               if r["sweep"].split("/")[0] in ("000", "001", "002") and "envelope" in r["result"]]
    assert {r["sweep"] for r in records} == {"000/figure4_n", "000/figure4_c", "000/figure6_value_shaping",
                                             "000/figure6", "000/figure7_pd",
                                             "000/figure7_value_shaping", "000/gpt3", "000/gpt3_threshold",
                                             "000/theorem3_5", "000/appendix_d",
                                             "001/example1", "001/theorem41", "001/theorem_a1", "001/theorem32", "001/table1",
                                             "002/figure3", "002/theorems", "002/theorem6", "002/above_growth"}
    for r in records:
        verdict = verify_envelope(r["result"]["envelope"], r["key"])
        assert (verdict.claimed.value, verdict.established) == (r["status"], r["verified"]), r["key"]
        assert r["result"]["basis"] == verdict.basis.value, r["key"]


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
    # as from a terminal: SIGINT at its default disposition and unblocked, whatever this process
    # inherited or an earlier test left (an ignored SIGINT survives exec, and Python then keeps it)
    as_from_a_terminal = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                          "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); os.execv(sys.argv[1], sys.argv[1:])")
    proc = subprocess.Popen([sys.executable, "-c", as_from_a_terminal, MECHOPT, "reproduce", "002", "--out",
                             str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
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


# --- issue 18: store lines checked, --force under the lock, unwrapped errors, plain progress -------


def _store_line(x: int, **changes: object) -> str:
    params = {"x": x}
    record = {"key": point_key("001/made_up", params), "sweep": "001/made_up", "params": params,
              "result": {"y": x}, "status": None, "verified": None, "seconds": 0.5}
    return json.dumps({**record, **changes}) + "\n"


@pytest.mark.parametrize("second, why", [
    (json.dumps({"key": point_key("001/made_up", {"x": 0})}) + "\n", "missing sweep, params, result"),
    (_store_line(1, result="a string"), "result: a JSON object expected, got str"),
    (_store_line(0), "it repeats the point of line 1"),
])
def test_a_store_line_that_is_not_a_record_is_named_not_a_traceback(tmp_path: Path, second: str, why: str) -> None:
    store = tmp_path / STORE
    store.write_text(_store_line(0) + second + _store_line(2))
    done = _run("001", "--quick", "--resume", "--out", str(tmp_path))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"{store}: line 2 is not a sweep record" in done.stderr and why in done.stderr


HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from mechopt.sweeps.store import SweepStore
    store = SweepStore(Path(sys.argv[1]))
    print("holding", flush=True)
    sys.stdin.read()
    store.close()
""")


def test_force_is_refused_while_another_process_holds_the_store(tmp_path: Path) -> None:
    """--force used to unlink the locked store and go on beside the run that held it."""
    store = tmp_path / STORE
    store.write_text(_store_line(0))
    (tmp_path / "report.md").write_text("the other run's report")
    before, inode = store.read_bytes(), store.stat().st_ino
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(store)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        done = _run("001", "--quick", "--force", "--out", str(tmp_path))
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "--force" in done.stderr and "another run is writing this store" in done.stderr
    assert store.read_bytes() == before and store.stat().st_ino == inode
    assert (tmp_path / "report.md").read_text() == "the other run's report"


def test_force_is_refused_while_another_run_writes_the_store_and_that_run_finishes(tmp_path: Path) -> None:
    """Two `mechopt reproduce` processes on one --out: the second, with --force, is refused while
    the first writes; the first finishes with every point stored once in the file it wrote."""
    paper = "004"
    store = tmp_path / STORE
    total = sum(len(s.points) for s in paper_sweeps(paper, quick=True))
    first = subprocess.Popen([MECHOPT, "reproduce", paper, "--quick", "--workers", "1", "--out", str(tmp_path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not _lines(store) and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert first.poll() is None, "the first run ended before the second started"
        inode = store.stat().st_ino
        second = _run(paper, "--quick", "--force", "--workers", "1", "--out", str(tmp_path))
        out, err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
    assert second.returncode == 2 and "another run is writing this store" in second.stderr, second.stderr
    assert first.returncode == 0, out + err
    assert store.stat().st_ino == inode and len(_results(store)) == total
    assert (tmp_path / "report.md").is_file()


def _long_folder(tmp_path: Path) -> Path:
    folder = tmp_path / ("a" * 70) / ("b" * 70) / ("c" * 70)
    folder.mkdir(parents=True)
    assert len(str(folder)) > 200
    return folder


def _no_tty_env() -> dict[str, str]:
    """No terminal and no width from the environment: rich's default of 80 columns."""
    drop = {"COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"}
    return {k: v for k, v in os.environ.items() if k not in drop}


@pytest.mark.parametrize("command", ["reproduce", "solve", "verify"])
def test_error_messages_on_stderr_are_never_wrapped(tmp_path: Path, command: str) -> None:
    """Users grep stderr: an error naming a path of over 200 characters stays on one line without
    a terminal (rich wrapped it at 80 columns)."""
    folder = _long_folder(tmp_path)
    if command == "reproduce":
        (folder / STORE).write_text("not a record\n")
        args = ["reproduce", "001", "--quick", "--resume", "--out", str(folder)]
        expected = f"{folder / STORE}: line 1 is not a sweep record"
    elif command == "solve":
        (folder / "taken").write_text("")
        args = ["solve", str(folder / "model.toml"), "--out", str(folder / "taken")]
        expected = f"--out: {folder / 'taken'} is an existing file; give a folder"
    else:
        args = ["verify", str(folder / "missing.json")]
        expected = str(folder / "missing.json")
    done = subprocess.run([MECHOPT, *args], capture_output=True, text=True, timeout=120, env=_no_tty_env(),
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and expected in lines[0], done.stderr


def test_without_a_terminal_progress_is_plain_lines_and_no_dashboard_warning(tmp_path: Path) -> None:
    """stderr to a file (a log): a line per paper at the start and at the end (and every
    PROGRESS_SECONDS in between), nothing else; Dask's "Port 8787 is already in use" is not printed
    even when another cluster has that port."""
    paper = "001"
    total = sum(len(s.points) for s in paper_sweeps(paper, quick=True))
    log = tmp_path / "stderr.log"
    taken = socket.socket()
    try:
        try:
            taken.bind(("0.0.0.0", 8787))
            taken.listen()
        except OSError:
            pass  # another cluster has it: the same situation
        with log.open("w") as err:
            done = subprocess.run([MECHOPT, "reproduce", paper, "--quick", "--out", str(tmp_path / "out")],
                                  stdout=subprocess.PIPE, stderr=err, text=True, timeout=300, env=_no_tty_env())
    finally:
        taken.close()
    text = log.read_text()
    assert done.returncode == 0, done.stdout + text
    lines = [line for line in text.splitlines() if line.startswith(f"paper {paper}: ")]
    assert lines and lines[0] == f"paper {paper}: 0 of {total} points", text
    assert re.fullmatch(rf"paper {paper}: {total} of {total} points, done in \d+\.\d s", lines[-1])
    assert all(re.fullmatch(rf"paper {paper}: \d+ of {total} points \(.+\), \d+ s", line) for line in lines[1:-1])
    assert "8787" not in text and "already in use" not in text


def test_plain_progress_lines_per_paper_at_most_every_interval() -> None:
    from mechopt.cli.reproduce import PlainProgress
    from mechopt.sweeps.sweep import Sweep

    now = [0.0]
    lines: list[str] = []
    log = PlainProgress(lines.append, interval=15.0, clock=lambda: now[0])
    a = Sweep("002/f3", abs, tuple({"x": x} for x in range(4)))
    b = Sweep("003/t1", abs, ({"x": 0}, {"x": 1}))
    log.start({"002": [a], "003": [b]})
    assert lines == ["paper 002: 0 of 4 points", "paper 003: 0 of 2 points"]
    for t, sweep in ((1.0, a), (5.0, b), (16.0, a)):  # the third is 16 s in: one line per paper that advanced
        now[0] = t
        log.done(sweep, {})
    assert lines[2:] == ["paper 002: 2 of 4 points (f3), 16 s", "paper 003: 1 of 2 points (t1), 16 s"]
    now[0] = 20.0
    log.done(a, {})  # under 15 s since the last line: nothing
    assert len(lines) == 4
    log.done(b, {})
    log.done(a, {})
    assert lines[4:] == ["paper 003: 2 of 2 points, done in 20.0 s", "paper 002: 4 of 4 points, done in 20.0 s"]


def test_the_figures_sent_to_the_workers_hold_the_plotted_numbers_not_the_records(quick: Path, tmp_path: Path) -> None:
    """Each figure's drawing is pickled to a worker: it must stay small (Dask warns above 10 MiB;
    000 Figure 4 once carried 45 MB of result envelopes at the full grids)."""
    import cloudpickle

    from mechopt.reproductions import report
    from mechopt.reproductions.run import paper_module

    class Recorder:
        def __init__(self) -> None:
            self.sizes: dict[str, int] = {}

        def submit(self, paper: str, path: Path, job: object) -> None:
            self.sizes[path.name] = len(cloudpickle.dumps(job))

    records = {json.loads(line)["key"]: json.loads(line) for line in _lines(quick / STORE)}
    recorder = Recorder()
    with report.figures_drawn_by(recorder):  # type: ignore[arg-type]
        for paper in PAPERS:
            sweeps = paper_sweeps(paper, True)
            own = {s.name.split("/", 1)[1]: [records[point_key(s.name, p)]["result"] for p in s.points]
                   for s in sweeps}
            paper_module(paper).section(own, tmp_path)
    assert len(recorder.sizes) >= 15, recorder.sizes
    assert max(recorder.sizes.values()) < 2**20, sorted(recorder.sizes.items(), key=lambda kv: -kv[1])[:3]
