from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import access_log, desk, elder, supervision, views, voice

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon),
    path("language", views.language, name="language"),
    # Django's set_language form, which the pages used before the link above: progress pages stored
    # before an upgrade (cases.public_cache, at most MAX_AGE old) may still post to it.
    path("i18n/", include("django.conf.urls.i18n")),
    path("cases/lookup", views.lookup, name="lookup"),
    path("cases/new", views.submit, name="submit"),
    path("cases/<str:number>", views.progress, name="progress"),
    path("cases/<str:number>/submitted", views.submitted, name="submitted"),
    path("cases/<str:number>/rate", views.rate, name="rate"),
    path("cases/<str:number>/info", views.give_info, name="give_info"),
    path("cases/<str:number>/receipt", desk.receipt, name="receipt"),
    path("desk/", desk.home, name="desk_home"),
    path("desk/new", desk.submit, name="desk_submit"),
    path("desk/lookup", desk.lookup, name="desk_lookup"),
    path("desk/follow-ups", desk.follow_ups, name="desk_follow_ups"),
    path("desk/poster", desk.poster, name="desk_poster"),
    path("desk/cases/<str:number>", desk.case_page, name="desk_case"),
    path("desk/cases/<str:number>/appointment", desk.appointment, name="desk_appointment"),
    path("desk/cases/<str:number>/follow-up", desk.follow_up, name="desk_follow_up"),
    path("desk/cases/<str:number>/info", desk.give_info, name="desk_give_info"),
    path("media/attachments/<int:pk>/<str:variant>", views.attachment, name="attachment"),
    path("elder/", elder.problem, name="elder_problem"),
    path("elder/where", elder.place, name="elder_place"),
    path("elder/check", elder.check, name="elder_check"),
    path("elder/voice", elder.pending_voice, name="elder_voice"),
    path("staff/voice/<int:pk>", voice.voice_note, name="voice_note"),
    path("staff/voice/<int:pk>/transcript", voice.transcript, name="voice_transcript"),
    path("staff/login", views.StaffLoginView.as_view(), name="login"),
    path("staff/logout", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/cases/<str:number>", views.staff_case, name="staff_case"),
    path("staff/supervision", supervision.overview, name="supervision"),
    path("staff/supervision/access-log", access_log.access_log, name="access_log"),
    path(
        "staff/supervision/extensions/<int:pk>/<str:decision>",
        supervision.decide_extension,
        name="decide_extension",
    ),
    path("staff/cases/<str:number>/extension", supervision.request_extension, name="request_extension"),
    path("staff/cases/<str:number>/escalate", supervision.escalate, name="escalate"),
    path("staff/cases/<str:number>/<str:action>", views.staff_action, name="staff_action"),
]
