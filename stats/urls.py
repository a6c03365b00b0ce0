from django.urls import path

from . import views

app_name = "stats"
urlpatterns = [
    path("supervisor/dashboard", views.dashboard, name="dashboard"),
    path("supervisor/cases", views.case_list, name="cases"),
    path("supervisor/cases.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("supervisor/cases.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
]
