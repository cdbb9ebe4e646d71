"""Forms for the registry, profiles, contacts, headcounts and imports."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from openita.accounts.models import AGENCY_ROLES

from .models import (
    SIZED_KINDS,
    Agency,
    AgencyContact,
    AgencyGroup,
    AgencyKind,
    EnrolmentState,
    Province,
    Region,
)
from .services import registry_problems


class AgencyFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Code or name")}))
    kind = forms.ChoiceField(label=_("Type"), required=False,
                             choices=[("", _("All types"))] + list(AgencyKind.choices))
    region = forms.ChoiceField(label=_("Region"), required=False,
                               choices=[("", _("All regions"))] + list(Region.choices))
    province = forms.ModelChoiceField(label=_("Province"), required=False,
                                      queryset=Province.objects.all(),
                                      empty_label=_("All provinces"))
    state = forms.ChoiceField(label=_("Enrolment"), required=False)
    active = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("1", _("Active")), ("0", _("Inactive")), ("", _("All"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All states"))] + list(EnrolmentState.choices)


def _website_field() -> forms.URLField:
    # Agencies often type "www.example.go.th"; assume https, as browsers do today.
    return forms.URLField(label=_("main website"), required=False, max_length=300,
                          assume_scheme="https")


class RegistryForm(forms.ModelForm):
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
        self.fields["parent"].queryset = Agency.objects.exclude(
            kind__in=SIZED_KINDS).only("code", "name_th")
        self.fields["group"].queryset = AgencyGroup.objects.all()

    def clean(self):
        cleaned = super().clean()
        probe = Agency(kind=cleaned.get("kind") or "", size_class=cleaned.get("size_class") or "",
                       province=cleaned.get("province"))
        for field, message in registry_problems(probe).items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return cleaned


class ProfileForm(forms.ModelForm):
    """What an agency keeps current itself."""

    website = _website_field()

    class Meta:
        model = Agency
        fields = ["website", "address", "phone", "email"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}


class ContactForm(forms.ModelForm):
    class Meta:
        model = AgencyContact
        fields = ["name", "position", "phone", "email", "is_primary"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("phone") and not cleaned.get("email"):
            raise forms.ValidationError(_("Give at least a telephone number or an e-mail."))
        return cleaned


class HeadcountForm(forms.Form):
    headcount = forms.IntegerField(
        label=_("Staff with at least one year of service"), min_value=1, max_value=1_000_000,
        help_text=_("Count everyone who works for the agency, from executives to contract "
                    "staff, with at least one year of service. Enter the number only."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"),
                           help_text=_("First row: column names. Nothing is saved unless "
                                       "every row is valid."))


class AgencyInviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[
        (role.value, role.label) for role in AGENCY_ROLES])
