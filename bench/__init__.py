"""Reproducible benchmarks of qitong: seed N tickets (bench/seed.py), load over HTTP (bench/load.py)."""
