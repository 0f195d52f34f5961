"""Shared definitions: statuses, the result protocol, statistics, tolerances, serialization and
structured Jacobians.  Nothing here knows about games, programs or files."""
