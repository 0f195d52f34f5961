"""Continuous-action games: the game interface, games given by callables, and the data-sharing game of 001."""

from mechopt.games.base import CallableGame, ContinuousGame
from mechopt.games.data_sharing import DataSharingGame

__all__ = ["CallableGame", "ContinuousGame", "DataSharingGame"]
