"""Sign-in and passwords."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import services
from .forms import SignInForm
from .http import AuthenticatedRequest


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password.html"

    request: AuthenticatedRequest  # behind login_required, as Django's own view is

    def form_valid(self, form):
        user = services.change_password(form.cleaned_data["new_password1"],
                                        acting_user=self.request.user)
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password is changed."))
        return redirect("site:home")
