from django.contrib import admin
from django.urls import include, path

from security.ratelimit import limit

urlpatterns = [
    # The admin's own sign-in form, under the same per-address limit as /staff/login (lock-out after
    # repeated wrong passwords is django-axes', for both).
    path("admin/login/", limit("login", methods=["POST"])(admin.site.login)),
    path("admin/", admin.site.urls),
    path("", include("api.urls")),
    path("", include("web.urls")),
    path("", include("stats.urls")),
    path("", include("residents.urls")),
]
