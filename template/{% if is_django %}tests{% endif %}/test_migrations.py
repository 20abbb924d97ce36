"""The migrations build exactly the tables the models describe."""

import pytest
from django.core.management import call_command


# makemigrations reads the migration history of every database (a read replica's too).
@pytest.mark.django_db(databases="__all__")
def test_models_and_migrations_agree() -> None:
    # Exits with status 1, naming the changes, when a model changed without a migration:
    # run `uv run python manage.py makemigrations`.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
