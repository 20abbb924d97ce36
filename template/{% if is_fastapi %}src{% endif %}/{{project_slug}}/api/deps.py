"""Route dependencies as Annotated aliases: declare `session: SessionDep` in a route
(`ReadSessionDep` for list reads, which a read replica may serve).

The items' owner is `ownership.ItemOwnerDep`.
"""

import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..core.config import Settings
from ..core.db import GATE, ConnectionGate, DatabaseUnavailableError, is_unavailable

logger = logging.getLogger(__name__)


async def get_settings(request: Request) -> Settings:
    """Return the settings of the app serving `request`."""
    return request.app.state.settings


async def get_session(request: Request) -> AsyncGenerator[AsyncSession]:
    """Yield a session for one request; what it did not commit is rolled back after.

    Raises DatabaseUnavailableError (answered 503) when the request failed because the
    database could not be reached.
    """
    async with _request_session(request.app.state.sessionmaker) as session:
        yield session


@asynccontextmanager
async def _request_session(
    factory: async_sessionmaker[AsyncSession],
) -> AsyncGenerator[AsyncSession]:
    # One request's session from `factory`: an unreachable database becomes a 503, and the
    # session is closed (or its broken connection discarded) after the response.
    session = factory()
    gate: ConnectionGate = session.info[GATE]
    # The session's connection is back in the pool before the next session is admitted.
    async with gate.admitted():
        try:
            yield session
        except Exception as error:
            if is_unavailable(error):
                raise DatabaseUnavailableError from error
            raise
        finally:
            await _close(session)


async def _close(session: AsyncSession) -> None:
    # The session closes after the response is sent. A connection that broke during the
    # request fails its rollback here: nothing is left to answer, so discard it quietly.
    try:
        await session.close()
    except (DBAPIError, OSError, TimeoutError) as error:
        logger.warning("Discarding a broken database connection: %r", error)
        await session.invalidate()


async def get_read_session(
    request: Request, primary: Annotated[AsyncSession, Depends(get_session)]
) -> AsyncGenerator[AsyncSession]:
    """Yield a session for reads that may lag behind writes (list endpoints).

    It reads the read replica when the app has one (DATABASE_REPLICA_URL); else it is the
    request's primary session, the one get_session gives the rest of the request, so a
    request holds one pooled connection, not two. A read that must see this request's
    writes uses get_session.

    Its statements run without a transaction around them (each sees the database as of
    its own start): a list is one statement, and BEGIN and ROLLBACK were two of its four
    round trips. A route that also takes SessionDep itself keeps the shared session's
    transaction, since it may write. Only the route's own parameters count: dependencies
    such as the active-user check read through SessionDep, and counting them would leave
    no list without a transaction. So a dependency that writes belongs on routes that
    take SessionDep, not beside ReadSessionDep alone.

    Raises DatabaseUnavailableError (answered 503) when the database could not be reached.
    """
    factory: async_sessionmaker[AsyncSession] = request.app.state.read_sessionmaker
    if factory is not request.app.state.sessionmaker:
        async with _request_session(factory) as session:
            await _without_transaction(session)
            yield session
        return
    if not _takes_session(request) and not primary.in_transaction():
        await _without_transaction(primary)
    yield primary


async def _without_transaction(session: AsyncSession) -> None:
    # The session's connection, taken now, in autocommit: no BEGIN is sent before its
    # statements and no ROLLBACK after. The pool restores the isolation level on return.
    await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _takes_session(request: Request) -> bool:
    # Whether the route being served declares get_session itself (SessionDep).
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if dependant is None:
        return True
    return any(sub.call is get_session for sub in dependant.dependencies)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session)]
