"""The user model: an email address and a password; staff users may use the admin.

Fields carry their types (set, get) for pyright, which has no Django plugin to infer them.
"""

import uuid
from datetime import datetime
from typing import Any, ClassVar, override

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.dispatch import Signal
from django.utils import timezone

# Sent after QuerySet.update() changed users (which sends no post_save), with `pks`, the
# primary keys of the rows it matched: caches of accounts forget them.
users_updated = Signal()


class UserQuerySet(models.QuerySet["User"]):
    """Users' queries: an update says which users it changed (users_updated)."""

    @override
    def update(self, **kwargs: Any) -> int:
        pks = list(self.values_list("pk", flat=True))
        count = super().update(**kwargs)
        if pks:
            users_updated.send(sender=self.model, pks=pks)
        return count


class UserManager(BaseUserManager["User"]):
    """Creates users; emails are stored and looked up in lower case."""

    @override
    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    @override
    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        return (email or "").strip().lower()

    @override
    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email=self.normalize_email(username))

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        """Create and return a user; without a password, the user cannot log in."""
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        """Create and return a user with every admin permission (`manage.py createsuperuser`)."""
        return self.create_user(email, password, is_staff=True, is_superuser=True, **fields)


# Both bases declare an abstract Meta; Django merges them, the stubs cannot say so.
class User(AbstractBaseUser, PermissionsMixin):  # pyright: ignore[reportIncompatibleVariableOverride]
    """An account: signs in with an email and a password."""

    id: models.UUIDField[uuid.UUID, uuid.UUID] = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False
    )
    email: models.EmailField[str, str] = models.EmailField(max_length=320, unique=True)
    # AbstractBaseUser's plain `is_active = True` becomes a column, so accounts can be disabled.
    is_active: models.BooleanField[bool, bool] = models.BooleanField(default=True)  # pyright: ignore[reportIncompatibleVariableOverride]
    is_staff: models.BooleanField[bool, bool] = models.BooleanField(
        default=False, help_text="Can log in to the admin."
    )
    created_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(
        default=timezone.now
    )

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    @override
    def clean(self) -> None:
        super().clean()
        self.email = UserManager.normalize_email(self.email)

    @override
    def __str__(self) -> str:
        return self.email
