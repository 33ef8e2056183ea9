"""Helpers for testing and measuring code built on the kernel, as a library ships its `testing` module.

`sample`: a small aggregate (its events, an upcaster, an order-sensitive projection), the canonical
messages the kernel's proofs and the benchmarks share.
"""
