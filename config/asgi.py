"""Set DJANGO_SETTINGS_MODULE (config.settings.production on a server): there is no
default (config/environment.py)."""

from django.core.asgi import get_asgi_application

application = get_asgi_application()
