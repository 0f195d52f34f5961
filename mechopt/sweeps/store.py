"""The results store: one JSON line per finished grid point, appended and synced as it completes.

A record is ``{"key", "sweep", "params", "result", "status", "verified", "seconds"}``: ``key`` is
`point_key` of the sweep and parameters; ``status`` and ``verified`` repeat the result's certificate
status and verdict (null for a point that certifies nothing).  A process killed while writing leaves at most one incomplete last line: it
is dropped (and cut from the file) when the store is opened again, so that resuming neither loses
a finished point nor repeats one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from mechopt.sweeps.sweep import Record


class SweepStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, Record] = {}
        if path.exists():
            self._load()

    def _load(self) -> None:
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]  # a line without its newline was cut short
        for number, line in enumerate(complete.decode().splitlines(), start=1):
            try:
                record = json.loads(line)
                key = record["key"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{self.path}: line {number} is not a sweep record ({exc})") from None
            self.records.setdefault(key, record)
        if len(complete) < len(data):
            with self.path.open("r+b") as f:
                f.truncate(len(complete))

    def __contains__(self, key: str) -> bool:
        return key in self.records

    def __len__(self) -> int:
        return len(self.records)

    def append(self, record: Record) -> None:
        """Write one record and sync it to disk before returning."""
        if record["key"] in self.records:
            raise ValueError(f"key: the store already holds {record['key']}")
        line = json.dumps(record, sort_keys=True, allow_nan=True) + "\n"
        with self.path.open("a") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
        self.records[record["key"]] = record
