from django.urls import path, re_path

from . import agency_views, views

app_name = "calendars"
urlpatterns = [
    path("", views.year_list, name="list"),
    path("new/", views.year_new, name="new"),
    path("<int:fiscal_year>/", views.year_detail, name="detail"),
    path("<int:fiscal_year>/window/", views.window_save, name="window"),
    path("<int:fiscal_year>/status/", views.year_status, name="status"),
    path("<int:fiscal_year>/extend/", views.extend, name="extend"),
    path("<int:fiscal_year>/framework/", views.attach_framework, name="framework"),
    path("<int:fiscal_year>/settings/", views.year_settings, name="settings"),
]

# Mounted under /agencies/ (namespace "agencies") by the root URLconf.
agency_urlpatterns = [
    path("", agency_views.agency_list, name="list"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", agency_views.agency_export, name="export"),
    path("<int:pk>/years/<int:fiscal_year>/enrol/", agency_views.enrol, name="enrol"),
    path("<int:pk>/years/<int:fiscal_year>/headcount/", agency_views.headcount,
         name="headcount"),
    path("<int:pk>/years/<int:fiscal_year>/headcount/approve/", agency_views.approve_headcount,
         name="approve_headcount"),
    path("<int:pk>/years/<int:fiscal_year>/headcount/return/", agency_views.return_headcount,
         name="return_headcount"),
]
