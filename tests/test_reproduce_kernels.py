"""The compiled kernels made ready before a reproduction's points: each group runs through the
public API on a worker and returns."""

from __future__ import annotations

from mechopt.reproductions.kernels import GROUPS, prepare_kernels
from mechopt.sweeps.runner import local_client


def test_every_kernel_group_runs_on_a_worker() -> None:
    with local_client(2, processes=False) as client:
        futures = prepare_kernels(client, ["000", "002"])
        assert len(futures) == len(GROUPS)
        assert client.gather(futures) == [None] * len(GROUPS)


def test_only_the_groups_of_the_papers_asked() -> None:
    with local_client(1, processes=False) as client:
        assert len(prepare_kernels(client, ["002"])) == 1
        assert prepare_kernels(client, ["004"]) == []
        assert prepare_kernels(client, []) == []
