"""Declarative design programs: what is optimized, never how (solvers live in :mod:`mechopt.solvers`)."""

from mechopt.programs.welfare import WelfareProgram

__all__ = ["WelfareProgram"]
