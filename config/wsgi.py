import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# A web server without SECRET_KEY (and without DEBUG) must not start: check it now, not on the first request
# that signs a cookie. (Management commands that sign nothing run without it.)
try:
    settings.SECRET_KEY
except ImproperlyConfigured as exc:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it in the environment (production), or set DEBUG=1 for local development."
    ) from exc
