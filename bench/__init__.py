"""The benchmark instrument for the auth service: `python -m bench [--smoke]` (see bench/README.md)."""
