"""stackcraft's benchmarks (SPEC section 7): `uv run python -m bench` runs them all."""
