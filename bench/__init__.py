"""Benchmarks of the kernel (`python -m bench.kernel`); see bench/README.md."""
