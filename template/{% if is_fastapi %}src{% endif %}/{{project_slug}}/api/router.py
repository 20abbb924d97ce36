"""The router that includes every route module: each module of `routes/` has a `router`.

A module added to `routes/` is served with no other wiring; the modules a project has
follow its answers (auth routes with accounts, ...).
"""

from importlib import import_module
from pkgutil import iter_modules

from fastapi import APIRouter

from . import routes

api_router = APIRouter()
for module in iter_modules(routes.__path__):
    api_router.include_router(import_module(f"{routes.__name__}.{module.name}").router)
