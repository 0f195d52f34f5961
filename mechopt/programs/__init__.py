"""Declarative design programs."""

from .welfare import WelfareProgram, WelfareResult, power_mean, solve_welfare

__all__ = ["WelfareProgram", "WelfareResult", "power_mean", "solve_welfare"]
