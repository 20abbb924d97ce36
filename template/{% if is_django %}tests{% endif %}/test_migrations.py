"""The migrations build exactly the tables the models describe."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    # Exits with status 1, naming the changes, when a model changed without a migration:
    # run `uv run python manage.py makemigrations`.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
