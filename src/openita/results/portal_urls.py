from django.urls import path

from . import news_views
from . import portal_views as views

app_name = "portal"
# The public portal, under /ita/: no sign-in. Every table of a page downloads as
# <table>.csv or <table>.xlsx (any other format is not found).
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search_page, name="search"),
    path("news/", news_views.public_list, name="news"),
    path("news/<int:post_id>/", news_views.public_post, name="news_post"),
    path("news/<int:post_id>/files/<int:attachment_id>/", news_views.public_file,
         name="news_file"),
    path("<int:fiscal_year>/", views.year_page, name="year"),
    path("<int:fiscal_year>/<str:table>.<str:fmt>", views.year_table, name="year_table"),
    path("<int:fiscal_year>/province/<str:code>/", views.province_page, name="province"),
    path("<int:fiscal_year>/province/<str:code>.<str:fmt>", views.province_table,
         name="province_table"),
    path("<int:fiscal_year>/type/<str:kind>/", views.kind_page, name="kind"),
    path("<int:fiscal_year>/type/<str:kind>.<str:fmt>", views.kind_table, name="kind_table"),
    path("<int:fiscal_year>/region/<str:region>/", views.region_page, name="region"),
    path("<int:fiscal_year>/region/<str:region>.<str:fmt>", views.region_table,
         name="region_table"),
    path("<int:fiscal_year>/ministry/<str:code>/", views.ministry_page, name="ministry"),
    path("<int:fiscal_year>/ministry/<str:code>.<str:fmt>", views.ministry_table,
         name="ministry_table"),
    path("agency/<str:code>/", views.agency_page, name="agency"),
    path("agency/<str:code>/<str:table>.<str:fmt>", views.agency_table, name="agency_table"),
    path("<int:fiscal_year>/open-data/", views.opendata_page, name="opendata"),
    path("<int:fiscal_year>/open-data/<str:name>.csv", views.opendata_file,
         name="opendata_file"),
]
