"""Run sweeps on a Dask client, storing each point's record as it completes.

`local_client` starts an in-process local cluster (worker processes on this machine, nothing to
install or start); `connect` joins an existing cluster by address (``tcp://HOST:PORT``).  The same
sweep runs unchanged on either.  Only points the store does not hold are computed.
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from mechopt.sweeps.store import SweepStore, decode, encode
from mechopt.sweeps.sweep import Params, Record, Sweep, point_key

if TYPE_CHECKING:
    from distributed import Client


class SweepError(RuntimeError):
    """Some points raised; every point that finished is in the store."""


def local_client(workers: int | None = None, processes: bool = True) -> Client:
    """A client of a local cluster started here: ``workers`` single-threaded workers (default: one per
    core), as processes, or as threads of this process when ``processes`` is False.

    No dashboard: the scheduler's HTTP server (which it always starts, on port 8787 by default,
    warning "Port 8787 is already in use" when another cluster has it) listens on a free port of
    127.0.0.1, so runs side by side print nothing of the kind.

    The worker processes keep the C library's own memory settings: Dask starts them with
    MALLOC_TRIM_THRESHOLD_=65536, which in glibc also fixes the mmap threshold at 128 KiB, so that
    every temporary array above it is mapped afresh and page-faulted in; without it, full
    reproductions side by side took half the system time and fewer worker seconds (80.9 against
    90.9 in one pair; benchmarks/results/reproduce_time.md).  A value set in the environment is
    still passed on; workers added later (``cluster.scale``) and a remote cluster's workers keep
    Dask's setting."""
    import dask
    from distributed import Client

    n = workers or os.cpu_count() or 1  # the client owns its cluster and closes it with itself
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # worker processes inherit it: Ctrl-C stops
    try:  # only this process, which then shuts them down
        with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
            return Client(n_workers=n, threads_per_worker=1, processes=processes, dashboard_address=None,
                          scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                          silence_logs=40)
    finally:
        signal.signal(signal.SIGINT, previous)


def connect(address: str, timeout: float = 10.0) -> Client:
    """A client of the Dask scheduler at ``address``; a clear error when none answers."""
    from distributed import Client

    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as exc:  # ValueError: a malformed address
        raise ConnectionError(f"--scheduler: no Dask scheduler answered at {address} ({exc})") from None


def shutdown(client: Client, timeout: float = 10.0) -> None:
    """Close the client (and a local cluster it started) without waiting longer than ``timeout``; a
    cluster already torn down (workers killed by Ctrl-C) is not an error."""
    import asyncio

    try:
        client.close(timeout=timeout)
    except (TimeoutError, OSError, RuntimeError, asyncio.CancelledError):
        pass


def _evaluate(point: Callable[..., dict[str, Any]], sweep: str, params: Params) -> tuple[Record, str]:
    """The point's store line (encoded here, on the worker, once) and its record as the store reads
    it back (tuples become lists, numbers as keys strings: a run's sections see what ``--resume``
    reads), or an error record and an empty line."""
    t0 = time.perf_counter()
    key = point_key(sweep, params)
    try:
        result = point(**params)
        if not isinstance(result, dict):
            raise TypeError(f"{point.__name__} returned {type(result).__name__}, expected a dict")
        record = {"key": key, "sweep": sweep, "params": params, "result": result, "status": result.get("status"),
                  "verified": result.get("verified"), "seconds": time.perf_counter() - t0}
        line = encode(record)  # the store must be able to hold it
        return decode(line), line
    except Exception:  # reported to the caller with the point's parameters; never stored
        return {"key": key, "error": traceback.format_exc()}, ""


def run_sweeps(sweeps: Sequence[Sweep], store: SweepStore, client: Client,
               on_done: Callable[[Sweep, Record], None] = lambda s, r: None) -> dict[str, list[dict[str, Any]]]:
    """Every sweep's results in the order of its points, computing only what ``store`` lacks.

    Each record is appended to ``store`` as soon as its point completes.  Raises `SweepError` naming
    the points that raised (or whose worker died), after storing every point that did not.
    """
    from distributed import as_completed

    by_key = {point_key(s.name, p): s for s in sweeps for p in s.points}
    pending = {}
    for s in sweeps:
        for p in s.points:
            key = point_key(s.name, p)
            if key in store:
                on_done(s, store.records[key])
                continue
            task = f"{s.name}-{hashlib.sha1(key.encode()).hexdigest()[:16]}"
            pending[client.submit(_evaluate, s.point, s.name, p, key=task, pure=False)] = key
    errors = []
    for future in as_completed(pending):
        try:
            outcome = future.result()
        except Exception as exc:  # the worker died (KilledWorker) or the result could not travel back
            outcome = ({"key": pending[future], "error": f"{type(exc).__name__}: {exc}"}, "")
        if not (isinstance(outcome, tuple) and len(outcome) == 2):
            outcome = ({"key": pending[future], "error": "the worker returned no store line: it runs another "
                                                         "version of mechopt than this process"}, "")
        record, line = outcome
        future.release()
        if "error" in record:
            errors.append(f"{record['key']}:\n{record['error']}")
            continue
        store.append(record, line)
        on_done(by_key[record["key"]], record)
    if errors:
        raise SweepError(f"{len(errors)} point(s) failed:\n" + "\n".join(errors))
    return {s.name: [store.records[point_key(s.name, p)]["result"] for p in s.points] for s in sweeps}
