"""The deterrence baselines PD, PV, PS of 000 (12)-(14): their formulas and exact deviation bounds
(:mod:`.deviation`), and the ``baseline_equilibrium`` answer with its certifier (:mod:`.certify`)."""
