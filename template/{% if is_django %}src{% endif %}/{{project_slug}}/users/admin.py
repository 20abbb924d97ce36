"""The users in the admin: list, search, and edit, with Django's password forms."""

from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from .models import User


class UserChangeFormForEmail(UserChangeForm[User]):
    """Django's change form, on this model's fields."""

    class Meta(UserChangeForm.Meta):  # pyright: ignore[reportIncompatibleVariableOverride]
        model = User
        fields = "__all__"


class UserCreationFormForEmail(AdminUserCreationForm[User]):
    """Django's creation form, asking for an email instead of a username."""

    class Meta(AdminUserCreationForm.Meta):  # pyright: ignore[reportIncompatibleVariableOverride]
        model = User
        fields = ("email",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    """Users by email, newest first."""

    form = UserChangeFormForEmail
    add_form = UserCreationFormForEmail
    ordering = ("-created_at",)
    list_display = ("email", "is_active", "is_staff", "created_at")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email",)
    readonly_fields = ("created_at", "last_login")
    fieldsets: ClassVar[Any] = (
        (None, {"fields": ("email", "password")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("created_at", "last_login")}),
    )
    add_fieldsets: ClassVar[Any] = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
