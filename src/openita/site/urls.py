"""The root URLconf: every app's pages, and the agency pages of several apps under one
``/agencies/`` namespace (each app keeps its own list; only this floor sees them all)."""

from django.urls import include, path
from django.views.i18n import set_language

from openita.accounts import urls as account_urls
from openita.agencies import urls as agency_urls
from openita.calendars import urls as calendar_urls
from openita.disclosure import urls as disclosure_urls
from openita.results.api import api as results_api
from openita.surveys import urls as survey_urls

from . import views

site_patterns = [
    path("", views.home, name="home"),
]

agency_patterns = [
    path("<int:pk>/", views.agency_detail, name="detail"),
    *agency_urls.urlpatterns,
    *calendar_urls.agency_urlpatterns,
    *survey_urls.agency_urlpatterns,
    *disclosure_urls.agency_urlpatterns,
]

account_patterns = [*account_urls.urlpatterns, *agency_urls.accounts_urlpatterns]

urlpatterns = [
    # First: the respondents' pages take most of the requests on deadline day, and the
    # resolver tries the patterns in order.
    path("go/", include("openita.surveys.urls")),
    path("", include((site_patterns, "site"))),
    path("", include("openita.core.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include((account_patterns, "accounts"))),
    path("agencies/", include((agency_patterns, "agencies"))),
    path("years/", include("openita.calendars.urls")),
    path("frameworks/", include("openita.frameworks.urls")),
    path("oit/", include("openita.disclosure.urls")),
    path("results/", include("openita.results.urls")),
    path("ita/", include("openita.results.portal_urls")),
    path("api/v1/", results_api.urls),
]
