"""Shapley engines (paper 003 (3), (27)): exact enumeration, exact for payoffs of a linear index
by counting agent types, and permutation sampling with standard errors; each with gradients."""

from mechopt.valuation.shapley import (ShapleyResult, exact_shapley, multilinear_shapley, sampled_shapley, shapley_values,
                                       structured_shapley)

__all__ = ["ShapleyResult", "exact_shapley", "multilinear_shapley", "sampled_shapley", "shapley_values", "structured_shapley"]
