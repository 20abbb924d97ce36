"""The WSGI application: what `runserver` (and so `serve`) uses; production serves ASGI."""

from django.core.wsgi import get_wsgi_application

from config.settings import use_environment_settings

use_environment_settings()
application = get_wsgi_application()
