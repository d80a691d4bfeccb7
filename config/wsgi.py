"""WSGI entry point."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
application = get_wsgi_application()
# What start-up loaded (Django, the apps, their modules) lives as long as the worker:
# moved out of the collector's generations, a full collection no longer walks it, which
# took a worker ~0.1 s at a time, mid-request, perhaps with an offering's row locked.
gc.freeze()
