from django.urls import path, re_path

from openita.surveys import agency_views as surveys

from . import views

app_name = "agencies"
urlpatterns = [
    path("", views.agency_list, name="list"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.agency_export, name="export"),
    path("new/", views.registry_edit, name="new"),
    path("import/", views.registry_import, name="import"),
    path("<int:pk>/", views.agency_detail, name="detail"),
    path("<int:pk>/registry/", views.registry_edit, name="registry_edit"),
    path("<int:pk>/active/", views.set_active, name="set_active"),
    path("<int:pk>/profile/", views.profile_edit, name="profile"),
    path("<int:pk>/contacts/new/", views.contact_edit, name="contact_new"),
    path("<int:pk>/contacts/<int:contact_id>/", views.contact_edit, name="contact_edit"),
    path("<int:pk>/contacts/<int:contact_id>/delete/", views.contact_delete,
         name="contact_delete"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path("<int:pk>/surveys/", surveys.surveys_page, name="surveys"),
    path("<int:pk>/surveys/qr-<str:instrument>.<str:fmt>", surveys.qr_code, name="qr"),
    path("<int:pk>/surveys/announcement-<str:instrument>.pdf", surveys.announcement,
         name="announcement"),
    path("<int:pk>/surveys/quality/", surveys.quality, name="survey_quality"),
    path("<int:pk>/surveys/responses/<uuid:response_id>/exclude/", surveys.exclude,
         name="survey_exclude"),
    path("<int:pk>/surveys/interview/", surveys.interview, name="survey_interview"),
    path("surveys/overview/", surveys.overview, name="survey_overview"),
    path("surveys/overview/remind/", surveys.remind, name="survey_remind"),
    path("<int:pk>/years/<int:fiscal_year>/enrol/", views.enrol, name="enrol"),
    path("<int:pk>/years/<int:fiscal_year>/headcount/", views.headcount, name="headcount"),
    path("<int:pk>/years/<int:fiscal_year>/headcount/approve/", views.approve_headcount,
         name="approve_headcount"),
    path("<int:pk>/years/<int:fiscal_year>/headcount/return/", views.return_headcount,
         name="return_headcount"),
]
