"""Set DJANGO_SETTINGS_MODULE (config.settings.production on a server): there is no
default (config/environment.py)."""

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
