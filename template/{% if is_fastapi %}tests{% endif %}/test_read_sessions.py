"""List reads run without a transaction around them; a route that writes keeps its own."""

from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

from httpx import AsyncClient
from sqlalchemy import Engine, event

# (statement, the isolation level its connection ran it at) while `noted()` is open.
_noting: list[list[tuple[str, object]]] = []


@event.listens_for(Engine, "before_cursor_execute")
def _note_isolation(connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
    for noted in _noting:
        noted.append((statement, connection.get_execution_options().get("isolation_level")))


@contextmanager
def noted() -> Generator[list[tuple[str, object]]]:
    statements: list[tuple[str, object]] = []
    _noting.append(statements)
    try:
        yield statements
    finally:
        _noting.remove(statements)


def _levels(statements: list[tuple[str, object]], starts: str) -> set[object]:
    return {level for text, level in statements if text.lstrip().upper().startswith(starts)}


async def test_a_list_read_is_autocommit_and_a_write_is_not(user_client: AsyncClient) -> None:
    with noted() as writes:
        created = await user_client.post("/items", json={"title": "one"})
    with noted() as reads:
        listed = await user_client.get("/items")

    assert created.status_code == 201
    assert listed.status_code == 200
    assert [item["title"] for item in listed.json()["items"]] == ["one"]
    # The insert ran inside the request's transaction (committed by the route).
    assert _levels(writes, "INSERT") == {None}
    # The list's SELECT ran with no BEGIN before it and no ROLLBACK after.
    assert _levels([s for s in reads if "items" in s[0]], "SELECT") == {"AUTOCOMMIT"}
