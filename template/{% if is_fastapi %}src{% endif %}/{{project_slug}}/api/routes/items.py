"""The example resource: create, list (paginated), read, update and delete items.

Every route takes the items' owner from `ItemOwnerDep`, so scoping lives in one place
(ownership.py).
"""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, status

from ... import crud
from ...integrations import ItemCreatedListener
from ...ownership import ITEM_OWNER_RESPONSES, ItemOwnerDep
from ...schemas import ItemCreate, ItemPage, ItemPublic, ItemUpdate
from ..deps import ReadSessionDep, SessionDep
from ..responses import BODY_TOO_LARGE, DATA_ROUTE, Responses

# Item ids and offsets are 32-bit integers in the database: larger values never get there.
INT32_MAX = 2**31 - 1

router = APIRouter(prefix="/items", tags=["items"], responses=DATA_ROUTE | ITEM_OWNER_RESPONSES)

ItemId = Annotated[int, Path(ge=1, le=INT32_MAX, description="The item's id.")]
NOT_FOUND: Responses = {status.HTTP_404_NOT_FOUND: {"description": "No such item (or not yours)"}}


def _not_found() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail="Item not found")


@router.post("", status_code=status.HTTP_201_CREATED, responses=BODY_TOO_LARGE)
async def create_item(
    data: ItemCreate,
    session: SessionDep,
    owner: ItemOwnerDep,
    request: Request,
) -> ItemPublic:
    """Create an item."""
    item = await crud.create_item(session, data=data, owner=owner)
    # What the project's integrations/ want to hear of a new item (events: item.created).
    listeners: list[ItemCreatedListener] = request.app.state.item_created_listeners
    for listener in listeners:
        await listener(item)
    return ItemPublic.model_validate(item)


@router.get("")
async def list_items(
    session: ReadSessionDep,
    owner: ItemOwnerDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Items per page.")] = 20,
    offset: Annotated[int, Query(ge=0, le=INT32_MAX, description="Items to skip.")] = 0,
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
async def read_item(item_id: ItemId, session: SessionDep, owner: ItemOwnerDep) -> ItemPublic:
    """Return one item."""
    item = await crud.get_item(session, item_id=item_id, owner=owner)
    if item is None:
        raise _not_found()
    return ItemPublic.model_validate(item)


@router.patch("/{item_id}", responses=NOT_FOUND | BODY_TOO_LARGE)
async def update_item(
    item_id: ItemId, data: ItemUpdate, session: SessionDep, owner: ItemOwnerDep
) -> ItemPublic:
    """Change the fields sent; the others keep their values."""
    item = await crud.update_item(session, item_id=item_id, owner=owner, data=data)
    if item is None:
        raise _not_found()
    return ItemPublic.model_validate(item)


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_item(item_id: ItemId, session: SessionDep, owner: ItemOwnerDep) -> None:
    """Delete an item."""
    if not await crud.delete_item(session, item_id=item_id, owner=owner):
        raise _not_found()
