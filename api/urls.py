"""/api/v1/ (django-ninja) and /open311/v2/ (GeoReport v2)."""

urlpatterns: list = []
