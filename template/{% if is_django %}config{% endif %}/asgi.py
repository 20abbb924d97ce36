"""The ASGI application gunicorn's uvicorn workers serve: `config.asgi:application`.

Django's handler with a pooled thread per request and liveness answered ahead of Django
(core/asgi.py).
"""

import django
from django.conf import settings
from django.utils.module_loading import import_string

from config.settings import use_environment_settings

use_environment_settings()
django.setup(set_prefix=False)
application = import_string(f"{settings.PACKAGE}.core.asgi.application")()
