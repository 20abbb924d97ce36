"""The ASGI application gunicorn's uvicorn workers serve: `config.asgi:application`."""

from django.core.asgi import get_asgi_application

from config.settings import use_environment_settings

use_environment_settings()
application = get_asgi_application()
