"""What Alembic runs (migrations/env.py calls `run`): the migrations on an async engine for
DATABASE_URL, compared with the tables of every models module this project has.

A models module added to the package goes in MODEL_MODULES, so that autogenerate and
`alembic check` see its tables.
"""

import asyncio
from collections.abc import Callable
from importlib import import_module
from importlib.util import find_spec
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from ..models import Base, UTCDateTime
from .config import get_settings

# The package (this module is <package>.core.alembic_env).
PACKAGE = __name__.split(".")[0]
# The modules whose models have tables, under the package; the optional services' exist only
# in projects that have them (attachments: object storage; jobs: the task queue).
MODEL_MODULES = ("models", "attachments.models", "jobs.models")
# The module that knows the spatial extensions' own tables: only projects with locations.
SPATIAL_MODULE = f"{PACKAGE}.spatial"

# What decides whether autogenerate and `alembic check` compare a table or index.
type IncludeObject = Callable[[object, str | None, str, bool, object], bool]


def exists(module: str) -> bool:
    """Return True where the project has `module` (False also where its package is missing)."""
    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def target_metadata() -> MetaData:
    """Import every models module the project has, and return the metadata of their tables."""
    for name in MODEL_MODULES:
        if exists(f"{PACKAGE}.{name}"):
            import_module(f"{PACKAGE}.{name}")
    return Base.metadata


def compare_options() -> dict[str, Any]:
    """Return the options of every comparison with the database (autogenerate, `alembic
    check`): PostGIS's and SpatiaLite's own tables are theirs, not the models'.
    """
    if not exists(SPATIAL_MODULE):
        return {}
    include_object: IncludeObject = import_module(SPATIAL_MODULE).include_object
    return {"include_object": include_object}


def database_url(config: Config) -> str:
    """Return the URL a caller passed in `config.attributes` (tests do), else DATABASE_URL."""
    url = config.attributes.get("database_url")
    return str(url) if url else get_settings().DATABASE_URL


def render_item(type_: str, obj: object, _context: AutogenContext) -> str | Literal[False]:
    """Write the models' UTCDateTime columns as the plain type they store."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline(config: Config) -> None:
    """Print the migrations' SQL instead of running it (`alembic upgrade head --sql`)."""
    context.configure(
        url=database_url(config),
        target_metadata=target_metadata(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_item=render_item,
        **compare_options(),
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    """Run the migrations on `connection`, in one transaction where the database can."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        # SQLite alters tables by copying them; batch mode writes migrations that way.
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        **compare_options(),
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online(config: Config) -> None:
    """Connect to the database and run the migrations."""
    engine = create_async_engine(database_url(config), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


def run() -> None:
    """Run what Alembic was asked for: the migrations online, or their SQL offline."""
    config = context.config
    # Callers that configure logging themselves (the tests) pass configure_logger=False.
    if config.config_file_name is not None and config.attributes.get("configure_logger", True):
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    if context.is_offline_mode():
        run_migrations_offline(config)
    else:
        asyncio.run(run_migrations_online(config))
