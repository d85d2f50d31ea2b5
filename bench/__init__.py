"""Benchmarks: `python -m bench.<name> --size N`, each printing JSON figures as its last line."""
