from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("api.urls")),
    path("", include("web.urls")),
    path("", include("stats.urls")),
    path("", include("residents.urls")),
]
