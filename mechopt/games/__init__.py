"""Continuous-action games: the generic concave game and the data-sharing game of 001."""

from .base import CallableGame, ConcaveGame
from .data_sharing import DataSharingGame

__all__ = ["CallableGame", "ConcaveGame", "DataSharingGame"]
