from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("cases/lookup", views.lookup, name="lookup"),
    path("cases/new", views.submit, name="submit"),
    path("cases/<str:number>", views.progress, name="progress"),
    path("cases/<str:number>/submitted", views.submitted, name="submitted"),
    path("cases/<str:number>/rate", views.rate, name="rate"),
    path("media/attachments/<int:pk>/<str:variant>", views.attachment, name="attachment"),
    path("staff/login", views.StaffLoginView.as_view(), name="login"),
    path("staff/logout", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/cases/<str:number>", views.staff_case, name="staff_case"),
    path("staff/cases/<str:number>/<str:action>", views.staff_action, name="staff_action"),
]
