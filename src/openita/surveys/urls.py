from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("<str:instrument>/<str:code>/", views.start, name="start"),
    path("<str:instrument>/<str:code>/phone/", views.phone, name="phone"),
    path("<str:instrument>/<str:code>/verify/", views.verify, name="verify"),
    path("<str:instrument>/<str:code>/page/<int:number>/", views.page, name="page"),
    path("<str:instrument>/<str:code>/review/", views.review, name="review"),
    path("<str:instrument>/<str:code>/thanks/", views.thanks, name="thanks"),
]
