from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from openita.core.forms import SafeTextMixin

from .models import ConsultantTeam
from .twofactor import normalise_code


class SignInForm(SafeTextMixin, AuthenticationForm):
    username = forms.EmailField(label=_("E-mail"),
                                widget=forms.EmailInput(attrs={"autofocus": True,
                                                               "autocomplete": "email"}))

    def clean_username(self) -> str:
        # Addresses are stored in lower case; people type them in any case.
        return self.cleaned_data["username"].strip().lower()


class AcceptInvitationForm(SafeTextMixin, forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput,
                                help_text=_("At least 10 characters, not only digits, and "
                                            "not the name of your e-mail address."))
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class TeamForm(SafeTextMixin, forms.ModelForm):
    class Meta:
        model = ConsultantTeam
        fields = ["name_th", "name_en", "institution", "groups"]
        widgets = {"groups": forms.CheckboxSelectMultiple}


class ChangePasswordForm(SafeTextMixin, auth_forms.PasswordChangeForm):
    pass


class PasswordResetRequestForm(SafeTextMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254, widget=forms.EmailInput(
        attrs={"autofocus": True, "autocomplete": "email"}))


class ResetPasswordForm(SafeTextMixin, auth_forms.SetPasswordForm):
    pass


class TwoFactorCodeForm(SafeTextMixin, forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40, widget=forms.TextInput(
        attrs={"autofocus": True, "autocomplete": "one-time-code", "spellcheck": "false",
               "autocapitalize": "off"}))

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(_("Enter the code."))
        return code


class TwoFactorResetForm(SafeTextMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500,
                             help_text=_("For example: the phone with the app was lost."))
