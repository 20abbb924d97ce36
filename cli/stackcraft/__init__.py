"""stackcraft: render, validate and prove production-shaped Python services."""

import importlib.metadata

# pyproject.toml holds the version; the installed package's metadata carries it here.
__version__ = importlib.metadata.version("stackcraft")
