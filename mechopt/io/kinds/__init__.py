"""The kinds of answer, one module per domain, each listing its :class:`~mechopt.io.kind.Kind` s."""
