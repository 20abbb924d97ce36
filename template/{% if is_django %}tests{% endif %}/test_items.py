"""The example resource: CRUD, pagination and input validation."""

from typing import Any

import pytest
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient


def create_items(client: APIClient, count: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for number in range(count):
        response = client.post("/items", {"title": f"item {number}"})
        assert response.status_code == 201
        items.append(response.json())
    return items


def test_create_then_read_an_item(user_client: APIClient) -> None:
    created = user_client.post("/items", {"title": "Buy milk", "description": "2 l"})

    assert created.status_code == 201
    item = created.json()
    assert item["title"] == "Buy milk"
    assert item["description"] == "2 l"
    read = user_client.get(f"/items/{item['id']}")
    assert read.status_code == 200
    assert read.json() == item


def test_update_changes_only_the_fields_sent(user_client: APIClient) -> None:
    [item] = create_items(user_client, 1)

    response = user_client.patch(f"/items/{item['id']}", {"description": "new"})

    assert response.status_code == 200
    updated = response.json()
    assert updated["title"] == item["title"]
    assert updated["description"] == "new"
    assert updated["updated_at"] >= item["updated_at"]


def test_update_refuses_a_null_title(user_client: APIClient) -> None:
    [item] = create_items(user_client, 1)

    response = user_client.patch(f"/items/{item['id']}", {"title": None})

    assert response.status_code == 400
    assert response.json() == {"title": ["This field may not be null."]}


def test_delete_removes_the_item(user_client: APIClient) -> None:
    [item] = create_items(user_client, 1)

    deleted = user_client.delete(f"/items/{item['id']}")

    assert deleted.status_code == 204
    assert user_client.get(f"/items/{item['id']}").status_code == 404
    assert user_client.delete(f"/items/{item['id']}").status_code == 404


def test_a_missing_item_is_404(user_client: APIClient) -> None:
    response = user_client.get("/items/999999")

    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}


def test_a_trailing_slash_is_404_not_a_redirect(user_client: APIClient) -> None:
    response = user_client.get("/items/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_list_pages_newest_first(user_client: APIClient) -> None:
    items = create_items(user_client, 5)
    newest_first = [item["id"] for item in reversed(items)]

    first = user_client.get("/items", {"limit": 2}).json()
    last = user_client.get("/items", {"limit": 2, "offset": 4}).json()

    assert [item["id"] for item in first["items"]] == newest_first[:2]
    assert first["has_more"] is True
    assert [item["id"] for item in last["items"]] == newest_first[4:]
    assert last["has_more"] is False
    assert (last["limit"], last["offset"]) == (2, 4)


def test_a_full_last_page_has_no_more(user_client: APIClient) -> None:
    create_items(user_client, 2)

    page = user_client.get("/items", {"limit": 2}).json()

    assert len(page["items"]) == 2
    assert page["has_more"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 2**31}, "offset"),
        ({"offset": 2**63}, "offset"),
        ({"offset": 10**40}, "offset"),
    ],
)
def test_list_refuses_out_of_bounds_paging_before_any_query(
    user_client: APIClient,
    django_assert_num_queries: DjangoAssertNumQueries,
    params: dict[str, int],
    field: str,
) -> None:
    with django_assert_num_queries(0):
        response = user_client.get("/items", params)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_list_takes_the_largest_offset(user_client: APIClient) -> None:
    response = user_client.get("/items", {"offset": 2**31 - 1})

    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize("item_id", ["0", str(2**63), str(2**64), "9" * 30])
def test_an_id_out_of_the_column_range_is_404(user_client: APIClient, item_id: str) -> None:
    url = f"/items/{item_id}"

    assert user_client.get(url).status_code == 404
    assert user_client.patch(url, {"title": "x"}).status_code == 404
    assert user_client.delete(url).status_code == 404


def test_the_largest_id_is_a_plain_404(user_client: APIClient) -> None:
    response = user_client.get(f"/items/{2**63 - 1}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}


def test_create_refuses_a_nul_character(user_client: APIClient) -> None:
    response = user_client.post("/items", {"title": "a\x00b"})

    assert response.status_code == 400
    assert response.json() == {"title": ["Null characters are not allowed."]}


def test_list_refuses_paging_that_is_not_a_number(user_client: APIClient) -> None:
    response = user_client.get("/items", {"limit": "ten"})

    assert response.status_code == 400
    assert response.json() == {"limit": ["A valid integer is required."]}


def test_list_runs_one_sql_query(
    user_client: APIClient, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    create_items(user_client, 3)

    with django_assert_num_queries(1):
        response = user_client.get("/items", {"limit": 2})

    assert response.status_code == 200


def test_create_refuses_an_empty_title_with_a_clear_error(user_client: APIClient) -> None:
    response = user_client.post("/items", {"title": ""})

    assert response.status_code == 400
    assert response.json() == {"title": ["This field may not be blank."]}


def test_create_refuses_unknown_fields(user_client: APIClient) -> None:
    response = user_client.post("/items", {"title": "ok", "owner": "me"})

    assert response.status_code == 400
    assert response.json() == {"owner": ["Unknown field."]}


def test_create_and_update_refuse_read_only_fields(user_client: APIClient) -> None:
    [item] = create_items(user_client, 1)

    created = user_client.post("/items", {"title": "ok", "id": 5})
    updated = user_client.patch(f"/items/{item['id']}", {"created_at": "2000-01-01T00:00:00Z"})

    assert created.status_code == 400
    assert created.json() == {"id": ["Unknown field."]}
    assert updated.status_code == 400
    assert updated.json() == {"created_at": ["Unknown field."]}


def test_create_refuses_a_body_that_is_not_json(user_client: APIClient) -> None:
    response = user_client.generic(
        "POST", "/items", data="{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
