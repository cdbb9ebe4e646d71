from django.urls import path

from . import views

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
