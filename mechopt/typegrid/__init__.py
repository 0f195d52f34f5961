"""Mechanism design on type grids with type-imposed externalities (paper 002).

Grids and valuations (:mod:`.model`), property checks (:mod:`.properties`), the three existence
methods (:mod:`.dag`, :mod:`.bellman_ford`, :mod:`.lp`), their certificates
(:mod:`.certificates`), the existence query (:mod:`.existence`) and the market-growth analysis.
"""
