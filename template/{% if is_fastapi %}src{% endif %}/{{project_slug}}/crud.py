"""Database reads and writes: plain functions taking a session and keyword arguments."""

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Item
from .ownership import ItemOwner, owned_by, owner_columns
from .schemas import ItemCreate, ItemUpdate


async def create_item(session: AsyncSession, *, data: ItemCreate, owner: ItemOwner) -> Item:
    """Insert and return an item owned by `owner`."""
    item = Item(**data.model_dump(), **owner_columns(owner))
    session.add(item)
    await session.commit()
    return item


async def get_item(session: AsyncSession, *, item_id: int, owner: ItemOwner) -> Item | None:
    """Return the item `item_id` when `owner` may see it, else None."""
    return await session.scalar(select(Item).where(Item.id == item_id, owned_by(owner)))


async def list_items(
    session: AsyncSession, *, owner: ItemOwner, limit: int, offset: int
) -> tuple[Sequence[Item], bool]:
    """Return up to `limit` of `owner`'s items after `offset`, newest first, and has-more.

    One query: it asks for one row more than `limit`; getting it means another page follows.
    """
    rows = await session.scalars(
        select(Item).where(owned_by(owner)).order_by(Item.id.desc()).limit(limit + 1).offset(offset)
    )
    items = rows.all()
    return items[:limit], len(items) > limit


async def update_item(
    session: AsyncSession, *, item_id: int, owner: ItemOwner, data: ItemUpdate
) -> Item | None:
    """Apply the fields set in `data` to item `item_id`; return it, or None when not found."""
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        return await get_item(session, item_id=item_id, owner=owner)
    item = await session.scalar(
        update(Item).where(Item.id == item_id, owned_by(owner)).values(**changes).returning(Item)
    )
    await session.commit()
    return item


async def delete_item(session: AsyncSession, *, item_id: int, owner: ItemOwner) -> bool:
    """Delete item `item_id`; return whether there was one `owner` may delete."""
    deleted = await session.scalar(
        delete(Item).where(Item.id == item_id, owned_by(owner)).returning(Item.id)
    )
    await session.commit()
    return deleted is not None
