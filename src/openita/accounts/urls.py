from django.contrib.auth import views as auth_views
from django.urls import path

from . import signin, views

app_name = "accounts"
urlpatterns = [
    path("login/", signin.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", signin.PasswordChangeView.as_view(), name="password"),
    # Sign-in (issue 9): password reset by e-mail, two-factor sign-in
    path("password/reset/", signin.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", signin.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", signin.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password/reset/done/", signin.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("two-factor/", signin.two_factor, name="two_factor"),
    path("two-factor/verify/", signin.two_factor_verify, name="two_factor_verify"),
    path("two-factor/set-up/", signin.two_factor_enrol, name="two_factor_enrol"),
    path("two-factor/recovery-codes/", signin.two_factor_recovery, name="two_factor_recovery"),
    path("people/<int:pk>/two-factor/reset/", signin.two_factor_reset, name="two_factor_reset"),
    path("invite/<str:token>/", views.accept_invitation, name="accept"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person, name="person"),
    path("grants/<int:grant_id>/revoke/", views.revoke, name="revoke"),
    path("invitations/<int:pk>/cancel/", views.cancel_invitation, name="cancel_invitation"),
    path("executives/", views.executive_confirmations, name="confirmations"),
    path("executives/<int:pk>/decide/", views.decide_executive, name="decide_executive"),
    path("teams/", views.teams, name="teams"),
    path("teams/new/", views.team_edit, name="team_new"),
    path("teams/<int:pk>/", views.team_edit, name="team_edit"),
    path("teams/<int:pk>/lead/<int:grant_id>/", views.team_lead, name="team_lead"),
]
