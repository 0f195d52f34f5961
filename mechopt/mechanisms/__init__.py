"""Mechanisms: one module per family."""

from mechopt.mechanisms.mbeta import BetaStar, BudgetGame, MBeta, optimal_beta

__all__ = ["BetaStar", "BudgetGame", "MBeta", "optimal_beta"]
