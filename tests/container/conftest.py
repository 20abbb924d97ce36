"""The container tier needs a working engine: Docker, else podman.

Where none runs, its tests skip and say why, unless STACKCRAFT_REQUIRE_CONTAINERS is set
(as .ci/run sets it, having installed podman): there a missing engine is a failure, so a
broken install cannot pass as a skip.
"""

from __future__ import annotations

import os

import pytest

from stackcraft.containers.engine import Engine, find_engine
from stackcraft.errors import CheckFailedError


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The engine the tier will use; skips (or fails, where required) when none works."""
    try:
        return find_engine()
    except CheckFailedError as error:
        if os.environ.get("STACKCRAFT_REQUIRE_CONTAINERS"):
            pytest.fail(f"STACKCRAFT_REQUIRE_CONTAINERS is set but {error}")
        pytest.skip(f"no container engine runs here: {error}")
