"""The service's tests; run them with `uv run pytest`."""
