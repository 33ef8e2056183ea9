"""Evaluation's read models: the facts tables filled from every service's events (`facts`), and the
loader that reads them back into the pure domain's `Facts`."""
