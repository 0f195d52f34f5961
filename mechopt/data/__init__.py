"""Functions of data: payoffs and costs of an amount of data, payoffs of a contribution profile,
utilities of budget and data, and the p-mean welfare."""
