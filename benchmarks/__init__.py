"""Benchmarks run by `make bench` (`python -m benchmarks`).

Each `bench_*.py` module exposes `run() -> list[str]`: lines that state a measured figure and its
ratio to a baseline measured in the same process (so figures compare across machines).
"""
