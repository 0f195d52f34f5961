"""Accuracy curves measured by training (``curves``) and the payoff families fitted to them
(``fit``): a fitted curve is a payoff every mechanism accepts.  Needs the ``learning`` extra
(scikit-learn) only to measure curves on scikit-learn's datasets and models; fitting needs scipy."""
