"""Benchmarks (not tests): `make bench`, benchmarks/scale.py, benchmarks/load.py; see README "Performance"."""
