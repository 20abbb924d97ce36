"""Reads and writes of attachments, scoped to the owner of their item."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Item
from ..ownership import ItemOwner, owned_by
from .models import Attachment


async def create_attachment(session: AsyncSession, attachment: Attachment) -> Attachment:
    """Insert and return `attachment`."""
    session.add(attachment)
    await session.commit()
    return attachment


async def list_attachments(session: AsyncSession, *, item_id: int) -> Sequence[Attachment]:
    """Return the attachments of item `item_id`, newest first."""
    rows = await session.scalars(
        select(Attachment)
        .where(Attachment.item_id == item_id)
        .order_by(Attachment.created_at.desc(), Attachment.id)
    )
    return rows.all()


async def get_attachment(
    session: AsyncSession, *, attachment_id: uuid.UUID, owner: ItemOwner
) -> Attachment | None:
    """Return attachment `attachment_id` when `owner` may see its item, else None."""
    return await session.scalar(
        select(Attachment)
        .join(Item, Attachment.item_id == Item.id)
        .where(Attachment.id == attachment_id, owned_by(owner))
    )


async def delete_attachment(session: AsyncSession, attachment: Attachment) -> None:
    """Delete `attachment`'s row."""
    await session.delete(attachment)
    await session.commit()
