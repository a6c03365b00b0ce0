from django.urls import path

from . import views

app_name = "residents"
urlpatterns = [
    path("me/", views.my_cases, name="mine"),
    path("me/sign-in", views.sign_in, name="sign_in"),
    path("me/sign-in/code", views.enter_code, name="enter_code"),
    path("me/sign-out", views.sign_out, name="sign_out"),
    path("me/cases/<str:number>/rate", views.rate, name="rate"),
    path("me/cases/<str:number>/info", views.give_info, name="give_info"),
    path("me/cases/<str:number>/sms", views.sms_preference, name="sms"),
]
