from django.urls import path

from . import views

app_name = "frameworks"
urlpatterns = [
    path("", views.framework_list, name="list"),
    path("<str:code>/", views.framework_detail, name="detail"),
    path("<str:code>/load/", views.load, name="load"),
    path("<str:code>/clone/", views.clone, name="clone"),
    path("<str:code>/edit/", views.edit, name="edit"),
]
