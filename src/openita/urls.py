from django.urls import include, path
from django.views.i18n import set_language

from openita.core import views as core_views

core_patterns = [
    path("", core_views.home, name="home"),
    path("audit/", core_views.audit_log, name="audit"),
]

urlpatterns = [
    path("", include((core_patterns, "core"))),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("openita.accounts.urls")),
    path("agencies/", include("openita.agencies.urls")),
    path("years/", include("openita.calendars.urls")),
    path("frameworks/", include("openita.frameworks.urls")),
    path("go/", include("openita.surveys.urls")),
]
