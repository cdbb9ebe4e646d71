from django.urls import path

from . import portal_views as views

app_name = "portal"
# The public portal, under /ita/: no sign-in.
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search_page, name="search"),
    path("<int:fiscal_year>/", views.year_page, name="year"),
    path("<int:fiscal_year>/province/<str:code>/", views.province_page, name="province"),
    path("<int:fiscal_year>/type/<str:kind>/", views.kind_page, name="kind"),
    path("agency/<str:code>/", views.agency_page, name="agency"),
    path("<int:fiscal_year>/open-data/", views.opendata_page, name="opendata"),
    path("<int:fiscal_year>/open-data/<str:name>.csv", views.opendata_file,
         name="opendata_file"),
]
