"""The example resource: CRUD, pagination and input validation."""

from typing import Any

import pytest
from httpx import AsyncClient

from .conftest import recorded_statements

INT32_MAX = 2**31 - 1


def touching_items(statements: list[str]) -> list[str]:
    """Return the statements that read or write the items table."""
    return [statement for statement in statements if "items" in statement]


async def create_items(client: AsyncClient, count: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for number in range(count):
        response = await client.post("/items", json={"title": f"item {number}"})
        assert response.status_code == 201
        items.append(response.json())
    return items


async def test_create_then_read_an_item(user_client: AsyncClient) -> None:
    created = await user_client.post("/items", json={"title": "Buy milk", "description": "2 l"})

    assert created.status_code == 201
    item = created.json()
    assert item["title"] == "Buy milk"
    assert item["description"] == "2 l"
    read = await user_client.get(f"/items/{item['id']}")
    assert read.status_code == 200
    assert read.json() == item


async def test_update_changes_only_the_fields_sent(user_client: AsyncClient) -> None:
    [item] = await create_items(user_client, 1)

    response = await user_client.patch(f"/items/{item['id']}", json={"description": "new"})

    assert response.status_code == 200
    updated = response.json()
    assert updated["title"] == item["title"]
    assert updated["description"] == "new"
    assert updated["updated_at"] >= item["updated_at"]


async def test_update_refuses_a_null_title(user_client: AsyncClient) -> None:
    [item] = await create_items(user_client, 1)

    response = await user_client.patch(f"/items/{item['id']}", json={"title": None})

    assert response.status_code == 422
    assert "title cannot be null" in response.text


async def test_delete_removes_the_item(user_client: AsyncClient) -> None:
    [item] = await create_items(user_client, 1)

    deleted = await user_client.delete(f"/items/{item['id']}")

    assert deleted.status_code == 204
    assert (await user_client.get(f"/items/{item['id']}")).status_code == 404
    assert (await user_client.delete(f"/items/{item['id']}")).status_code == 404


async def test_a_missing_item_is_404(user_client: AsyncClient) -> None:
    response = await user_client.get("/items/999999")

    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}


async def test_list_pages_newest_first(user_client: AsyncClient) -> None:
    items = await create_items(user_client, 5)
    newest_first = [item["id"] for item in reversed(items)]

    first = (await user_client.get("/items", params={"limit": 2})).json()
    last = (await user_client.get("/items", params={"limit": 2, "offset": 4})).json()

    assert [item["id"] for item in first["items"]] == newest_first[:2]
    assert first["has_more"] is True
    assert [item["id"] for item in last["items"]] == newest_first[4:]
    assert last["has_more"] is False
    assert (last["limit"], last["offset"]) == (2, 4)


async def test_a_full_last_page_has_no_more(user_client: AsyncClient) -> None:
    await create_items(user_client, 2)

    page = (await user_client.get("/items", params={"limit": 2})).json()

    assert len(page["items"]) == 2
    assert page["has_more"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": INT32_MAX + 1}, "offset"),
        ({"offset": 2**63}, "offset"),
    ],
)
async def test_list_refuses_out_of_bounds_paging_before_any_query(
    user_client: AsyncClient, params: dict[str, int], field: str
) -> None:
    with recorded_statements() as statements:
        response = await user_client.get("/items", params=params)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]
    assert touching_items(statements) == []


async def test_list_accepts_the_largest_offset(user_client: AsyncClient) -> None:
    response = await user_client.get("/items", params={"offset": INT32_MAX})

    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize("item_id", [0, -1, INT32_MAX + 1, 2**63])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_an_out_of_range_item_id_is_422_before_any_query(
    user_client: AsyncClient, method: str, item_id: int
) -> None:
    body = {"title": "x"} if method == "PATCH" else None
    with recorded_statements() as statements:
        response = await user_client.request(method, f"/items/{item_id}", json=body)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "item_id"]
    assert touching_items(statements) == []


async def test_the_largest_item_id_is_a_plain_404(user_client: AsyncClient) -> None:
    response = await user_client.get(f"/items/{INT32_MAX}")

    assert response.status_code == 404


@pytest.mark.parametrize("field", ["title", "description"])
async def test_a_nul_character_in_text_is_422_before_any_query(
    user_client: AsyncClient, field: str
) -> None:
    [item] = await create_items(user_client, 1)
    body = {"title": "ok", field: "a\x00b"}

    with recorded_statements() as statements:
        created = await user_client.post("/items", json=body)
        updated = await user_client.patch(f"/items/{item['id']}", json={field: "a\x00b"})

    assert created.status_code == 422
    assert updated.status_code == 422
    assert created.json()["detail"][0]["loc"] == ["body", field]
    assert touching_items(statements) == []


async def test_list_runs_one_sql_query_on_items(user_client: AsyncClient) -> None:
    await create_items(user_client, 3)

    with recorded_statements() as statements:
        response = await user_client.get("/items", params={"limit": 2})

    assert response.status_code == 200
    assert len(touching_items(statements)) == 1, statements


async def test_create_refuses_an_empty_title_with_a_clear_error(user_client: AsyncClient) -> None:
    response = await user_client.post("/items", json={"title": ""})

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "title"]
    assert error["msg"] == "String should have at least 1 character"


async def test_create_refuses_unknown_fields(user_client: AsyncClient) -> None:
    response = await user_client.post("/items", json={"title": "ok", "owner": "me"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "extra_forbidden"


async def test_create_refuses_a_body_that_is_not_json(user_client: AsyncClient) -> None:
    response = await user_client.post(
        "/items", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
