"""Value shaping (paper 000: Karimireddy, Guo, Jordan, *Mechanisms that Incentivize Data Sharing
in Federated Learning*).

The value of data v(m) = max(0, b(m)) (:mod:`.value`), each agent's solo optimum, Theorem I
(:mod:`.solo`), the mechanisms that return model values (standard FL (8) and value shaping (11),
:mod:`.curve`, :mod:`.mechanisms`, :mod:`.game`), the total of their equilibria as one scalar
equation (:mod:`.totals`), the answers and their one certifiers (:mod:`.certify`), the solvers of
Theorems III-V and Remark 3 (:mod:`.equilibrium`), of the contract under private binary costs
(:mod:`.binary_costs`, :mod:`.contracts`), and the deterrence baselines PD, PV, PS (12)-(14)
(:mod:`.baselines`).  See docs/valueshaping.md.
"""
