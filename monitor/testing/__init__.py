"""Test doubles that ship with the package (used by tests and the benchmarks)."""
