"""The example resource: create, list (paginated), read, update and delete items.

Every route takes the items' owner from `ItemOwnerDep`, so scoping lives in one place.
"""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from ... import crud
from ...schemas import ItemCreate, ItemPage, ItemPublic, ItemUpdate
from ..deps import ItemOwnerDep, SessionDep

router = APIRouter(prefix="/items", tags=["items"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    status.HTTP_404_NOT_FOUND: {"description": "No such item (or not yours)"}
}


def _not_found() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail="Item not found")


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_item(data: ItemCreate, session: SessionDep, owner: ItemOwnerDep) -> ItemPublic:
    """Create an item."""
    item = await crud.create_item(session, data=data, owner=owner)
    return ItemPublic.model_validate(item)


@router.get("")
async def list_items(
    session: SessionDep,
    owner: ItemOwnerDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Items per page.")] = 20,
    offset: Annotated[int, Query(ge=0, description="Items to skip.")] = 0,
) -> ItemPage:
    """List items, newest first, one page at a time."""
    items, has_more = await crud.list_items(session, owner=owner, limit=limit, offset=offset)
    return ItemPage(
        items=[ItemPublic.model_validate(item) for item in items],
        limit=limit,
        offset=offset,
        has_more=has_more,
    )


@router.get("/{item_id}", responses=NOT_FOUND)
async def read_item(item_id: int, session: SessionDep, owner: ItemOwnerDep) -> ItemPublic:
    """Return one item."""
    item = await crud.get_item(session, item_id=item_id, owner=owner)
    if item is None:
        raise _not_found()
    return ItemPublic.model_validate(item)


@router.patch("/{item_id}", responses=NOT_FOUND)
async def update_item(
    item_id: int, data: ItemUpdate, session: SessionDep, owner: ItemOwnerDep
) -> ItemPublic:
    """Change the fields sent; the others keep their values."""
    item = await crud.update_item(session, item_id=item_id, owner=owner, data=data)
    if item is None:
        raise _not_found()
    return ItemPublic.model_validate(item)


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_item(item_id: int, session: SessionDep, owner: ItemOwnerDep) -> None:
    """Delete an item."""
    if not await crud.delete_item(session, item_id=item_id, owner=owner):
        raise _not_found()
