"""Benchmarks run by `make bench`; each writes bench/results/NAME.json."""
