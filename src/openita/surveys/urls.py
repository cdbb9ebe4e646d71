from django.urls import path

from . import agency_views, views

app_name = "surveys"
# The respondent's pages, under /go/.
urlpatterns = [
    path("<str:instrument>/<str:code>/", views.start, name="start"),
    path("<str:instrument>/<str:code>/phone/", views.phone, name="phone"),
    path("<str:instrument>/<str:code>/verify/", views.verify, name="verify"),
    path("<str:instrument>/<str:code>/page/<int:number>/", views.page, name="page"),
    path("<str:instrument>/<str:code>/review/", views.review, name="review"),
    path("<str:instrument>/<str:code>/thanks/", views.thanks, name="thanks"),
]

# An agency's survey pages, mounted under /agencies/ (namespace "agencies") by the root
# URLconf, so the registry below never imports the surveys.
agency_urlpatterns = [
    path("<int:pk>/surveys/", agency_views.surveys_page, name="surveys"),
    path("<int:pk>/surveys/qr-<str:instrument>.<str:fmt>", agency_views.qr_code, name="qr"),
    path("<int:pk>/surveys/announcement-<str:instrument>.pdf", agency_views.announcement,
         name="announcement"),
    path("<int:pk>/surveys/code-allowance/", agency_views.code_allowance,
         name="survey_code_allowance"),
    path("<int:pk>/surveys/quality/", agency_views.quality, name="survey_quality"),
    path("<int:pk>/surveys/responses/<uuid:response_id>/exclude/", agency_views.exclude,
         name="survey_exclude"),
    path("<int:pk>/surveys/interview/", agency_views.interview, name="survey_interview"),
    path("surveys/overview/", agency_views.overview, name="survey_overview"),
    path("surveys/overview/remind/", agency_views.remind, name="survey_remind"),
]
