"""Settings per environment: `base` reads the environment once; `local`, `test` and
`production` adjust it. ENVIRONMENT (local, test or production) picks the module.
"""

import os

from django.core.exceptions import ImproperlyConfigured

ENVIRONMENTS = ("local", "test", "production")


def use_environment_settings() -> None:
    """Point DJANGO_SETTINGS_MODULE at config.settings.<ENVIRONMENT> unless it is already set.

    ENVIRONMENT is read from the process environment (default local), not from `.env`:
    the module has to be known before the settings read `.env`.

    Raises ImproperlyConfigured when ENVIRONMENT names no settings module.
    """
    environment = os.environ.get("ENVIRONMENT") or "local"
    if environment not in ENVIRONMENTS:
        msg = f"ENVIRONMENT is {environment!r}: use one of {', '.join(ENVIRONMENTS)}"
        raise ImproperlyConfigured(msg)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"config.settings.{environment}")
