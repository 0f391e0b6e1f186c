"""The service's own settings plus the naive baseline app, so both run in one gunicorn alike."""

from railway.settings import *  # noqa: F403
from railway.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.naive"]
ROOT_URLCONF = "bench.urls"
