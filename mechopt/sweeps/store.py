"""The results store: one JSON line per finished grid point, appended and synced as it completes.

A record is ``{"key", "sweep", "params", "result", "status", "verified", "seconds"}``: ``key`` is
`point_key` of the sweep and parameters; ``status`` and ``verified`` repeat the result's
certificate status and verdict (null for a point that certifies nothing).  A process killed while
writing leaves at most one incomplete last line: it is dropped (and cut from the file) when the
store is opened again, so that resuming neither loses a finished point nor repeats one.  An open
store holds an exclusive lock on its file: a second run on the same store is refused.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from types import TracebackType

from mechopt.sweeps.sweep import Record


class StoreBusy(RuntimeError):
    """Another process has the store open."""


class SweepStore:
    """The records of ``path`` (created if missing), open for appending until :meth:`close`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, Record] = {}
        self._file = path.open("ab")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            raise StoreBusy(f"{path}: another run is writing this store; wait for it or give another folder") from None
        try:
            self._load()
        except ValueError:
            self.close()
            raise

    def _load(self) -> None:
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]  # a line without its newline was cut short
        for number, line in enumerate(complete.decode(errors="replace").splitlines(), start=1):
            try:
                record = json.loads(line)
                key = record["key"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{self.path}: line {number} is not a sweep record ({exc})") from None
            self.records.setdefault(key, record)
        if len(complete) < len(data):
            self._file.truncate(len(complete))

    def __contains__(self, key: str) -> bool:
        return key in self.records

    def __len__(self) -> int:
        return len(self.records)

    def append(self, record: Record) -> None:
        """Write one record and sync it to disk before returning."""
        if record["key"] in self.records:
            raise ValueError(f"key: the store already holds {record['key']}")
        self._file.write((json.dumps(record, sort_keys=True, allow_nan=True) + "\n").encode())
        self._file.flush()
        os.fsync(self._file.fileno())
        self.records[record["key"]] = record

    def close(self) -> None:
        self._file.close()  # releases the lock

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
