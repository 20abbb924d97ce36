"""Route dependencies as Annotated aliases: declare `session: SessionDep` in a route.

The items' owner is `ownership.ItemOwnerDep`.
"""

import logging
from collections.abc import AsyncGenerator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..core.config import Settings
from ..core.db import DatabaseUnavailableError, is_unavailable

logger = logging.getLogger(__name__)


async def get_settings(request: Request) -> Settings:
    """Return the settings of the app serving `request`."""
    return request.app.state.settings


async def get_session(request: Request) -> AsyncGenerator[AsyncSession]:
    """Yield a session for one request; what it did not commit is rolled back after.

    Raises DatabaseUnavailableError (answered 503) when the request failed because the
    database could not be reached.
    """
    factory: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    session = factory()
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


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
