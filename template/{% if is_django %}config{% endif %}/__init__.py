"""The Django project: settings per ENVIRONMENT, URLconfs per APP_ROLE, ASGI and WSGI entry points."""
