"""The results store: one JSON line per finished grid point, appended and synced as it completes.

A record is ``{"key", "sweep", "params", "result", "status", "verified", "seconds"}``: ``key`` is
`point_key` of the sweep and parameters; ``status`` and ``verified`` repeat the result's
certificate status and verdict (null for a point that certifies nothing).  A process killed while
writing leaves at most one incomplete last line: it is dropped (and cut from the file) when the
store is opened again, so that resuming neither loses a finished point nor repeats one.  Every
complete line is checked when the store is opened (`check_record`: exactly these fields, of these
types, the key that of the sweep and parameters, each point on one line only): a line that is not
a record is an error naming the file and the line, never a traceback later.

An open store holds an exclusive lock on its file: a second run on the same store is refused,
and so is starting over (`clear`) while another run holds it, since the lock is taken before
anything is read, truncated or deleted.
"""

from __future__ import annotations

import errno
import fcntl
import json
import math
import os
import stat
from pathlib import Path
from types import TracebackType
from typing import Any

from mechopt.sweeps.sweep import Record, point_key

FIELDS = ("key", "sweep", "params", "result", "status", "verified", "seconds")


class StoreBusy(RuntimeError):
    """Another process has the store open."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            raise ValueError(f"the field {name!r} appears twice")
        out[name] = value
    return out


def check_record(record: object) -> Record:
    """``record`` if it has the shape of a store record; ValueError saying what is wrong otherwise."""
    if not isinstance(record, dict):
        raise ValueError(f"a JSON object expected, got {type(record).__name__}")
    missing = [f for f in FIELDS if f not in record]
    unknown = sorted(set(record) - set(FIELDS))
    if missing or unknown:
        raise ValueError("; ".join(([f"missing {', '.join(missing)}"] if missing else [])
                                   + ([f"unknown {', '.join(unknown)}"] if unknown else [])))
    for name, kind in (("key", str), ("sweep", str), ("params", dict), ("result", dict)):
        if not isinstance(record[name], kind):
            raise ValueError(f"{name}: a {'string' if kind is str else 'JSON object'} expected, "
                             f"got {type(record[name]).__name__}")
    if record["key"] != point_key(record["sweep"], record["params"]):
        raise ValueError("key: not the key of its sweep and params")
    for name in ("status", "verified"):
        if record[name] != record["result"].get(name):
            raise ValueError(f"{name}: {record[name]!r} is not the result's {record['result'].get(name)!r}")
    seconds = record["seconds"]
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not (math.isfinite(seconds)
                                                                                  and seconds >= 0):
        raise ValueError(f"seconds: a finite number >= 0 expected, got {seconds!r}")
    return record


def encode(record: Record) -> str:
    """The store's line of ``record`` (without its newline): sorted JSON; TypeError when a value is
    not JSON."""
    return json.dumps(record, sort_keys=True, allow_nan=True)


def decode(line: str) -> Record:
    """The record of a store line (JSON, a field given twice refused), checked (:func:`check_record`)."""
    return check_record(json.loads(line, object_pairs_hook=_no_duplicate_keys))


class SweepStore:
    """The records of ``path`` (a regular file, created if missing; not a symbolic link), open for
    appending until :meth:`close`.

    With ``load=False`` the file is only locked, not read (its content is to be discarded): call
    :meth:`clear` before appending.
    """

    def __init__(self, path: Path, *, load: bool = True) -> None:
        self.path = path
        self.records: dict[str, Record] = {}
        try:  # never through a symbolic link: starting over empties the file in place
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ValueError(f"{path} is a symbolic link; a store is a regular file") from None
            raise
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # a device or a pipe: reading it may never end
            os.close(fd)
            raise ValueError(f"{path} is not a regular file; a store is one")
        self._file = os.fdopen(fd, "a+b")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            raise StoreBusy(f"{path}: another run is writing this store; wait for it or give another folder") from None
        self._ready = False
        try:
            if load:
                self._load()
                self._ready = True
        except (ValueError, OSError):
            self.close()
            raise

    def _load(self) -> None:
        self._file.seek(0)
        data = self._file.read()
        complete = data[: data.rfind(b"\n") + 1]  # a line without its newline was cut short
        lines: dict[str, int] = {}
        for number, line in enumerate(complete.decode(errors="replace").splitlines(), start=1):
            try:
                record = decode(line)
            except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError; nesting too deep
                raise ValueError(f"{self.path}: line {number} is not a sweep record ({exc})") from None
            key = record["key"]
            if key in lines:
                raise ValueError(f"{self.path}: line {number} is not a sweep record (it repeats the point of "
                                 f"line {lines[key]}; a store holds each point once)")
            lines[key] = number
            self.records[key] = record
        if len(complete) < len(data):
            self._file.truncate(len(complete))

    def clear(self) -> None:
        """Empty the store (the file keeps its lock: no other run can start meanwhile)."""
        self._file.truncate(0)
        self._file.flush()
        os.fsync(self._file.fileno())
        self.records.clear()
        self._ready = True

    def __contains__(self, key: str) -> bool:
        return key in self.records

    def __len__(self) -> int:
        return len(self.records)

    def append(self, record: Record, line: str | None = None) -> None:
        """Write one record and sync it to disk before returning; ``line``: the record as
        :func:`encode` gives it, when the caller has it already (a worker encoded it)."""
        if not self._ready:
            raise RuntimeError(f"{self.path}: opened with load=False; clear() it before appending")
        check_record(record)
        if record["key"] in self.records:
            raise ValueError(f"key: the store already holds {record['key']}")
        self._file.write(((encode(record) if line is None else line) + "\n").encode())
        self._file.flush()
        os.fsync(self._file.fileno())
        self.records[record["key"]] = record

    def close(self) -> None:
        self._file.close()  # releases the lock

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
