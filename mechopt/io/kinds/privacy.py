"""Kinds of this domain (being moved to the one-certifier design)."""

KINDS = ()
