"""Forms for the registry, profiles, contacts, imports and roles."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from openita.accounts.models import AGENCY_ROLES, ConsultantTeam, Role
from openita.core.forms import SafeTextMixin

from .models import (
    SIZED_KINDS,
    Agency,
    AgencyContact,
    AgencyGroup,
    AgencyKind,
    Province,
    Region,
)
from .services import agency_by_code, registry_problems


class AgencyFilterForm(SafeTextMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"placeholder": _("Code or name")}))
    kind = forms.ChoiceField(label=_("Type"), required=False,
                             choices=[("", _("All types"))] + list(AgencyKind.choices))
    region = forms.ChoiceField(label=_("Region"), required=False,
                               choices=[("", _("All regions"))] + list(Region.choices))
    province = forms.ModelChoiceField(label=_("Province"), required=False,
                                      queryset=Province.objects.all(),
                                      empty_label=_("All provinces"))
    active = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("1", _("Active")), ("0", _("Inactive")), ("", _("All"))],
    )


def _website_field() -> forms.URLField:
    # Agencies often type "www.example.go.th"; assume https, as browsers do today.
    return forms.URLField(label=_("main website"), required=False, max_length=300,
                          assume_scheme="https")


class RegistryForm(SafeTextMixin, forms.ModelForm):
    """The full registry record, for NACC administrators."""

    website = _website_field()

    class Meta:
        model = Agency
        fields = ["code", "name_th", "name_en", "kind", "size_class", "parent", "province",
                  "group", "website", "address", "phone", "email"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A parent is chosen by code from a long list; only organisations that have
        # children or are central bodies make sense, but any agency is allowed.
        cast(forms.ModelChoiceField, self.fields["parent"]).queryset = Agency.objects.exclude(
            kind__in=SIZED_KINDS).only("code", "name_th")
        cast(forms.ModelChoiceField, self.fields["group"]).queryset = AgencyGroup.objects.all()

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        probe = Agency(kind=cleaned.get("kind") or "", size_class=cleaned.get("size_class") or "",
                       province=cleaned.get("province"))
        for field, message in registry_problems(probe).items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return cleaned


class ProfileForm(SafeTextMixin, forms.ModelForm):
    """What an agency keeps current itself."""

    website = _website_field()

    class Meta:
        model = Agency
        fields = ["website", "address", "phone", "email"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}


class ContactForm(SafeTextMixin, forms.ModelForm):
    class Meta:
        model = AgencyContact
        fields = ["name", "position", "phone", "email", "is_primary"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("phone") and not cleaned.get("email"):
            raise forms.ValidationError(_("Give at least a telephone number or an e-mail."))
        return cleaned


class ReasonForm(SafeTextMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000)


class ImportForm(SafeTextMixin, forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"),
                           help_text=_("First row: column names. Nothing is saved unless "
                                       "every row is valid."))


class AgencyInviteForm(SafeTextMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[
        (role.value, role.label) for role in AGENCY_ROLES])


class GrantForm(SafeTextMixin, forms.Form):
    """A role and what it applies to; the view passes the matching target to the service."""

    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    agency_code = forms.CharField(label=_("Agency code"), required=False, max_length=30,
                                  help_text=_("For agency administrators and executives."))
    team = forms.ModelChoiceField(label=_("Consultant team"), required=False,
                                  queryset=ConsultantTeam.objects.all())
    province = forms.ModelChoiceField(label=_("Province (oversight)"), required=False,
                                      queryset=Province.objects.all())
    parent_code = forms.CharField(label=_("Parent organisation code (oversight)"),
                                  required=False, max_length=30)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        for field, key in (("agency_code", "agency"), ("parent_code", "parent")):
            cleaned[key] = agency_by_code(cleaned.get(field) or "")
            if (cleaned.get(field) or "").strip() and cleaned[key] is None:
                self.add_error(field, _("No agency has this code."))
        return cleaned

    def target(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in ("agency", "team", "province", "parent")}
