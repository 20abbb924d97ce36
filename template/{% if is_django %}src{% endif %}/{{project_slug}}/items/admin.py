"""Items in the admin: list, search and edit."""

from django.contrib import admin

from .models import Item

# The item's relations (its owner, when auth is jwt): listed, joined into the list's query,
# and picked by id rather than from a drop-down of every row.
RELATIONS = tuple(field.name for field in Item._meta.concrete_fields if field.is_relation)


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin[Item]):
    """Items, newest first."""

    search_fields = ("title", "description")
    ordering = ("-id",)
    list_display = ("title", *RELATIONS, "created_at", "updated_at")
    list_select_related = RELATIONS
    raw_id_fields = RELATIONS
