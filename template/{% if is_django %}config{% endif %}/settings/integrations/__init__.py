"""The Django settings of the optional parts this project was generated with, a module each.

Every module here has `configure(settings, env)`, which `config.settings.base` calls last, in
name order: it adds the part's settings to base's and adjusts those the part changes (the
cache, the databases, the readiness checks). A module added here is configured with no other
wiring.
"""

from importlib import import_module
from pkgutil import iter_modules
from typing import Any

from config.env import Env


def configure_integrations(settings: dict[str, Any], env: Env) -> None:
    """Let every integration module adjust `settings` (a settings module's globals), in name
    order, from what `env` read.
    """
    for module in sorted(iter_modules(__path__), key=lambda info: info.name):
        import_module(f"{__name__}.{module.name}").configure(settings, env)
