from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from openita.agencies.models import Province
from openita.agencies.services import agency_by_code

from .models import ConsultantTeam, Role


class SignInForm(AuthenticationForm):
    username = forms.EmailField(label=_("E-mail"),
                                widget=forms.EmailInput(attrs={"autofocus": True,
                                                               "autocomplete": "email"}))

    def clean_username(self) -> str:
        # Addresses are stored in lower case; people type them in any case.
        return self.cleaned_data["username"].strip().lower()


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput,
                                help_text=_("At least 10 characters, not only digits."))
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class GrantForm(forms.Form):
    """A role and what it applies to; the view passes the matching target to the service."""

    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    agency_code = forms.CharField(label=_("Agency code"), required=False,
                                  help_text=_("For agency administrators and executives."))
    team = forms.ModelChoiceField(label=_("Consultant team"), required=False,
                                  queryset=ConsultantTeam.objects.all())
    province = forms.ModelChoiceField(label=_("Province (oversight)"), required=False,
                                      queryset=Province.objects.all())
    parent_code = forms.CharField(label=_("Parent organisation code (oversight)"),
                                  required=False)

    def clean(self):
        cleaned = super().clean()
        for field, key in (("agency_code", "agency"), ("parent_code", "parent")):
            cleaned[key] = agency_by_code(cleaned.get(field) or "")
            if (cleaned.get(field) or "").strip() and cleaned[key] is None:
                self.add_error(field, _("No agency has this code."))
        return cleaned

    def target(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in ("agency", "team", "province", "parent")}


class TeamForm(forms.ModelForm):
    class Meta:
        model = ConsultantTeam
        fields = ["name_th", "name_en", "institution", "groups"]
        widgets = {"groups": forms.CheckboxSelectMultiple}
