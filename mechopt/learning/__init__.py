"""Accuracy curves measured by training (``curves``) and the payoff families fitted to them
(``fit``): a fitted curve is a payoff every mechanism accepts.  Federated training in process
(``federated``, with the models of ``models``), the papers' protocols on it (``federated.fedbr``,
``protocols``: FedAvg, MWFed, FedBR-Shap) and their certified predictions (``prediction``).  Needs
the ``learning`` extra (scikit-learn) only to measure curves on scikit-learn's datasets and models;
fitting needs scipy."""
