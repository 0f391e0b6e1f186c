"""The service's own settings plus the naive baseline app, so both run in one gunicorn alike."""

from railway.settings import *  # noqa: F403
from railway.settings import INSTALLED_APPS

# The naive baseline authenticates with DRF's own tokens (raw keys), as the original design did.
INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken", "bench.naive"]
ROOT_URLCONF = "bench.urls"
