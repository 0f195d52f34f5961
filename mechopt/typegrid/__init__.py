"""Mechanism design on type grids with type-imposed externalities (paper 002).

Grids and valuations (:mod:`.model`), property checks (:mod:`.properties`), the existence
methods (:mod:`.dag`, :mod:`.aggregate`, :mod:`.bellman_ford`, :mod:`.lp` on the LP of
:mod:`.constraints`), the witness of the maximal payments (:mod:`.witness`, :mod:`.symmetric`),
the answers and their certifiers (:mod:`.certify`), the existence query (:mod:`.existence`) and
the market-growth analysis (:mod:`.market_growth`).
"""
