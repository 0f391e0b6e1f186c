"""WSGI entry point for the railway service."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "railway.settings")

application = get_wsgi_application()
