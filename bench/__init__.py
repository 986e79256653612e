"""Benchmarks of the MUKTA Helpdesk: `python -m bench` (see bench/README.md)."""
