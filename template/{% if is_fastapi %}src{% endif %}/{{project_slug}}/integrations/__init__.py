"""The optional services this project was generated with, each wired into the app by one module.

Every module here has `install(app, settings)`, which `main.create_app` calls in name
order: it keeps what the service needs on `app.state`, registers its readiness probe in
`app.state.dependency_probes`, what must close at shutdown in `app.state.closers`, and
what must follow each item the API creates in `app.state.item_created_listeners`.
A module added here is installed with no other wiring, as a module added to
`api/routes/` is served.
"""

from collections.abc import Awaitable, Callable
from importlib import import_module
from pkgutil import iter_modules

from fastapi import FastAPI

from ..core.config import Settings
from ..models import Item

# What an integration registers to run at shutdown, after the requests in flight ended.
type Closer = Callable[[], Awaitable[None]]
# What an integration registers to run after the API created an item, before it answers.
type ItemCreatedListener = Callable[[Item], Awaitable[None]]


def install_integrations(app: FastAPI, settings: Settings) -> None:
    """Install every integration module of this package into `app`, in name order."""
    for module in sorted(iter_modules(__path__), key=lambda info: info.name):
        import_module(f"{__name__}.{module.name}").install(app, settings)
