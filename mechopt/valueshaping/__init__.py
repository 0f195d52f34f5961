"""Value shaping (paper 000: Karimireddy, Guo, Jordan, *Mechanisms that Incentivize Data Sharing
in Federated Learning*).

The value of data v(m) = max(0, b(m)) (:mod:`.value`), each agent's solo optimum, Theorem I
(:mod:`.solo`), the mechanisms that return model values (standard FL (8) and value shaping (11),
:mod:`.mechanisms`), their equilibria with certificates (Theorems III, IV, V, Remark 3,
:mod:`.equilibrium`), the deterrence baselines PD, PV, PS (12)-(14) (:mod:`.baselines`), and the
answer verifiers (:mod:`.verify`).  See docs/valueshaping.md.
"""
