"""Sign-in, passwords and two-factor sign-in: the pages (the rules are in security,
passwords and twofactor)."""

from __future__ import annotations

from typing import Any

import django_otp
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from openita.core.errors import ActionRefused
from openita.core.net import client_address
from openita.core.permissions import require
from openita.core.web import posted, refuse_into_form, site_url

from . import passwords, security, services, twofactor
from .forms import (
    ChangePasswordForm,
    PasswordResetRequestForm,
    ResetPasswordForm,
    SignInForm,
    TwoFactorCodeForm,
    TwoFactorResetForm,
)
from .http import AuthenticatedRequest
from .models import User


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        security.record_sign_in(form.get_user(), self.request)
        return response


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None,
               credentials: dict | None = None) -> HttpResponse:
    """The sign-in page again, saying how long to wait (``AXES_LOCKOUT_CALLABLE``): axes
    answers a sign-in tried while the account or address is locked out with this."""
    email = security.attempted_email(request, credentials) or ""
    return render(request, "accounts/login.html", {
        "form": SignInForm(request, initial={"username": email}),
        "locked_minutes": security.lockout_minutes(request, credentials),
    }, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password.html"
    form_class = ChangePasswordForm

    request: AuthenticatedRequest  # behind login_required, as Django's own view is

    def form_valid(self, form):
        user = services.change_password(form.cleaned_data["new_password1"],
                                        acting_user=self.request.user)
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password is changed."))
        return redirect("site:home")


# --- password reset by e-mail ------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link: the same answer whether an account has the address or not."""

    template_name = "accounts/password_reset.html"
    form_class = PasswordResetRequestForm  # type: ignore[assignment]
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        passwords.request_reset(form.cleaned_data["email"],
                                address=client_address(self.request.META),
                                site_url=site_url(self.request))
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = ResetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        passwords.complete_reset(form.user, form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.success_url)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- two-factor sign-in ------------------------------------------------------------------


def _next(request: HttpRequest) -> str:
    """Where to go once the code is accepted: a page of this site, else home."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse("site:home")


def _verified(request: HttpRequest, device: Any) -> None:
    """The session is verified with ``device`` from now on, under a new session key."""
    request.session.cycle_key()
    django_otp.login(request, device)
    request.session.pop(twofactor.PENDING_KEY, None)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: AuthenticatedRequest) -> HttpResponse:
    """The code after the password."""
    if twofactor.pending_step(request) == "enrol":
        return redirect(reverse("accounts:two_factor_enrol") + "?" + request.GET.urlencode())
    if not twofactor.must_verify(request):
        request.session.pop(twofactor.PENDING_KEY, None)
        return redirect(_next(request))
    form = TwoFactorCodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            device = twofactor.verify(request.user, form.cleaned_data["code"])
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            _verified(request, device)
            if isinstance(device, StaticDevice):
                left = twofactor.recovery_codes_left(request.user)
                messages.warning(request, ngettext(
                    "You used a recovery code; %(n)d is left. Make new ones on the two-factor "
                    "page if you no longer have your app.",
                    "You used a recovery code; %(n)d are left. Make new ones on the two-factor "
                    "page if you no longer have your app.", left) % {"n": left})
            return redirect(_next(request))
    return render(request, "accounts/two_factor_verify.html",
                  {"form": form, "next": _next(request)})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request: AuthenticatedRequest) -> HttpResponse:
    """Set up an authenticator app: a QR code and the secret as text, then a code from the
    app; the recovery codes are shown once, on the answer to that POST."""
    if twofactor.must_verify(request):  # replacing the app takes a code from it first
        return redirect(reverse("accounts:two_factor_verify") + "?" + request.GET.urlencode())
    secret = request.session.get(twofactor.SETUP_SECRET_KEY)
    if not isinstance(secret, str) or len(secret) != 40:
        secret = request.session[twofactor.SETUP_SECRET_KEY] = twofactor.new_secret()
    form = TwoFactorCodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = twofactor.enrol(request.user, secret, form.cleaned_data["code"])
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            del request.session[twofactor.SETUP_SECRET_KEY]
            _verified(request, device)
            messages.success(request, _("Two-factor sign-in is on."))
            return render(request, "accounts/two_factor_codes.html",
                          {"codes": codes, "next": _next(request)})
    url = twofactor.otpauth_url(request.user, secret)
    return render(request, "accounts/two_factor_enrol.html", {
        "form": form, "qr": twofactor.qr_svg(url), "secret": twofactor.secret_text(secret),
        "required": twofactor.required(request.user), "next": _next(request)})


@login_required
def two_factor(request: AuthenticatedRequest) -> HttpResponse:
    """The person's two-factor sign-in: on or off, recovery codes left."""
    enabled = twofactor.has_two_factor(request.user)
    return render(request, "accounts/two_factor.html", {
        "enabled": enabled, "required": twofactor.required(request.user),
        "codes_left": twofactor.recovery_codes_left(request.user) if enabled else 0})


@login_required
@require_POST
def two_factor_recovery(request: AuthenticatedRequest) -> HttpResponse:
    """New recovery codes, shown once on this answer."""
    if twofactor.must_verify(request):
        return redirect("accounts:two_factor_verify")
    try:
        codes = twofactor.regenerate_recovery_codes(request.user)
    except ActionRefused as error:
        messages.error(request, str(error.message))
        return redirect("accounts:two_factor")
    return render(request, "accounts/two_factor_codes.html",
                  {"codes": codes, "next": reverse("accounts:two_factor")})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_reset(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """NACC removes a person's app and recovery codes (a lost phone), with a reason."""
    require(request.user, "accounts.manage_people")
    person = get_object_or_404(User, pk=pk)
    form = TwoFactorResetForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            twofactor.reset(person, form.cleaned_data["reason"], acting_user=request.user)
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            messages.success(request, _("Two-factor sign-in of %(person)s is reset.")
                             % {"person": person})
            return redirect("accounts:person", pk=person.pk)
    return render(request, "accounts/two_factor_reset.html", {
        "form": form, "person": person, "enabled": twofactor.has_two_factor(person)})
