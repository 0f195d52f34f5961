"""Sweeps over parameter grids on dask.distributed, with a results store that survives being killed.

A sweep is a module-level function of keyword parameters and the list of grid points to call it
on (`Sweep`).  `run_sweeps` sends the points that the store does not hold yet to a Dask client
(`local_client`: a local cluster started in this process; `connect`: a cluster given by address)
and appends each record to the store as it completes, so that a sweep killed at any moment
resumes without losing or repeating a finished point.
"""
