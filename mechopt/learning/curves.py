"""Learning curves: accuracy on held-out data against the amount of training data.

For each seed the data are shuffled, a test set is held out, and a model (anything with
scikit-learn's ``fit(X, y)`` and ``score(X, y)``) is trained on nested subsets of increasing size
(the first m samples of one permutation, so a larger subset contains the smaller ones).  The
training pool is drawn iid, or with 003's kind of heterogeneity: label skew (one agent's data
favours some classes) or a Dirichlet mixture of the classes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Partition = Literal["iid", "label_skew", "dirichlet"]
PARTITIONS = ("iid", "label_skew", "dirichlet")


@dataclass(frozen=True)
class LearningCurve:
    """Accuracy (rows: seeds, columns: sizes) of a model trained on ``sizes`` samples."""

    sizes: np.ndarray
    accuracy: np.ndarray
    seeds: tuple[int, ...]
    partition: str

    @property
    def mean(self) -> np.ndarray:
        return self.accuracy.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        return self.accuracy.std(axis=0, ddof=1) if len(self.seeds) > 1 else np.zeros(self.sizes.size)


def pool_order(y: np.ndarray, partition: Partition, rng: np.random.Generator, concentration: float) -> np.ndarray:
    """An order of the training pool: a permutation (iid), or one that draws from class weights
    (label skew: half the classes weigh 4 times the others; Dirichlet(concentration))."""
    if partition == "iid":
        return rng.permutation(y.size)
    classes = np.unique(y)
    if partition == "label_skew":
        favoured = rng.permutation(classes.size) < max(1, classes.size // 2)
        weights = np.where(favoured, 4.0, 1.0)
    else:
        weights = rng.dirichlet(np.full(classes.size, concentration))
    per_sample = weights[np.searchsorted(classes, y)]
    keys = rng.exponential(size=y.size) / np.maximum(per_sample, 1e-12)  # weighted order without replacement
    return np.argsort(keys, kind="stable")


def learning_curve(make_model: Callable[[], Any], X: np.ndarray, y: np.ndarray, sizes: Sequence[int], *,
                   seeds: Sequence[int] = (0, 1, 2), test_fraction: float = 0.25, partition: Partition = "iid",
                   concentration: float = 0.5) -> LearningCurve:
    """Train ``make_model()`` on nested subsets of ``sizes`` samples for each seed; accuracy on the
    held-out test set (``test_fraction`` of the data, iid)."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.size:
        raise ValueError(f"X, y: expected X of shape (samples, features) and y of shape (samples,), got "
                         f"{X.shape} and {y.shape}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction: must be in (0, 1), got {test_fraction!r}")
    if partition not in PARTITIONS:
        raise ValueError(f"partition: expected one of {', '.join(PARTITIONS)}, got {partition!r}")
    if not seeds:
        raise ValueError("seeds: give at least one seed")
    n_test = max(1, int(round(test_fraction * y.size)))
    sizes_ = np.asarray(sorted(set(int(m) for m in sizes)), dtype=int)
    if sizes_.size == 0 or sizes_[0] < 1 or sizes_[-1] > y.size - n_test:
        raise ValueError(f"sizes: each must be in [1, {y.size - n_test}] (the samples left after the test set), "
                         f"got {list(sizes)}")
    out = np.empty((len(seeds), sizes_.size))
    for r, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        order = rng.permutation(y.size)
        test, pool = order[:n_test], order[n_test:]
        pool = pool[pool_order(y[pool], partition, rng, concentration)]
        for c, m in enumerate(sizes_):
            chosen = pool[:m]
            if np.unique(y[chosen]).size < 2:  # a classifier needs two classes: chance level
                out[r, c] = float(np.mean(y[test] == y[chosen][0]))
                continue
            model = make_model()
            model.fit(X[chosen], y[chosen])
            out[r, c] = float(model.score(X[test], y[test]))
    return LearningCurve(sizes_, out, tuple(int(s) for s in seeds), partition)
