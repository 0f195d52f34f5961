"""Flower integration (the ``flower`` extra: ``pip install -e '.[flower]'``): the mechanisms'
contributions, payments and counted aggregation in a Flower strategy (flwr >= 1.42, Message API),
the client of 001's protocols, and two ways to run them (Flower's simulation engine, or in this
process without it).  flwr is imported only under this package; docs/flower.md is the guide."""

from mechopt.learning.flower.client import initial_weights, local_step, softmax_client_app
from mechopt.learning.flower.ledger import Ledger, RoundRecord, Schedule, counted
from mechopt.learning.flower.simulation import FlowerRun, LocalGrid, run_local, simulate
from mechopt.learning.flower.strategy import MechanismFedAvg

__all__ = ["FlowerRun", "Ledger", "LocalGrid", "MechanismFedAvg", "RoundRecord", "Schedule", "counted",
           "initial_weights", "local_step", "run_local", "simulate", "softmax_client_app"]
