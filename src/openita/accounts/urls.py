from django.contrib.auth import views as auth_views
from django.urls import path

from . import signin, views

app_name = "accounts"
urlpatterns = [
    path("login/", signin.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", signin.PasswordChangeView.as_view(), name="password"),
    path("invite/<str:token>/", views.accept_invitation, name="accept"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person, name="person"),
    path("grants/<int:grant_id>/revoke/", views.revoke, name="revoke"),
    path("invitations/<int:pk>/cancel/", views.cancel_invitation, name="cancel_invitation"),
    path("teams/", views.teams, name="teams"),
    path("teams/new/", views.team_edit, name="team_new"),
    path("teams/<int:pk>/", views.team_edit, name="team_edit"),
]
