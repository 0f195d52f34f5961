"""``mechopt reproduce``: one module per paper with its instances, sweeps and figures, and the report.

Each paper module provides ``PAPER`` (the paper's number), ``TITLE``, ``sweeps(quick) -> list[Sweep]``
and ``section(results, figures) -> Section``, where ``results[name]`` lists the records of sweep
``name`` in the order of its points and ``figures`` is the folder to draw PNG files into.
"""
