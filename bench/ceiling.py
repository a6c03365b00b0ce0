"""The ceiling: a bare Django view returning a fixed small JSON body, no middleware, no database.

Served by gunicorn exactly like the platform (`gunicorn bench.ceiling:application`), it measures
what this machine and framework allow, so the platform's figures can be read as ratios to it.
"""

from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-ceiling-only",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        DATABASES={},
        USE_I18N=False,
    )

from django.core.wsgi import get_wsgi_application
from django.http import JsonResponse
from django.urls import path

BODY = {"number": "20240510-0012", "stage": "accepted", "ok": True}


def ceiling(request):
    return JsonResponse(BODY)


urlpatterns = [path("ceiling", ceiling)]
application = get_wsgi_application()
