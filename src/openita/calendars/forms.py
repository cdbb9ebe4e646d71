from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from openita.agencies.forms import AgencyFilterForm
from openita.core.forms import SafeTextMixin

from .models import EnrolmentState, Phase

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class YearForm(SafeTextMixin, forms.Form):
    fiscal_year = forms.IntegerField(label=_("Fiscal year (B.E.)"), min_value=2560,
                                     max_value=2700)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    propose_calendar = forms.BooleanField(
        label=_("Fill in the proposed calendar (based on FY2565; not official)"),
        required=False, initial=True,
    )


class WindowForm(SafeTextMixin, forms.Form):
    phase = forms.ChoiceField(choices=Phase.choices, widget=forms.HiddenInput)
    opens_on = forms.DateField(label=_("Opens on"), widget=DATE_INPUT)
    closes_on = forms.DateField(label=_("Closes on (24:00)"), widget=DATE_INPUT)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("opens_on") and cleaned.get("closes_on") and (
                cleaned["closes_on"] < cleaned["opens_on"]):
            self.add_error("closes_on", _("The closing day must not be before the opening day."))
        return cleaned


class ExtensionForm(SafeTextMixin, forms.Form):
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
    agency_code = forms.CharField(
        label=_("Agency code"), required=False, max_length=32,
        help_text=_("Leave empty to extend for every agency."),
    )
    closes_on = forms.DateField(label=_("New closing day (24:00)"), widget=DATE_INPUT)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000)


class YearSettingsForm(SafeTextMixin, forms.Form):
    iit_requires_access_code = forms.BooleanField(
        label=_("IIT respondents need a one-time access code"), required=False)
    provisional_scores_visible = forms.BooleanField(
        label=_("Agencies see provisional scores during collection"), required=False)
    release_interval_hours = forms.IntegerField(
        label=_("Hours between two releases of collection figures"), min_value=1,
        max_value=720,
        help_text=_("Agencies, oversight and consultants see counts and provisional scores "
                    "that change at most this often, so no change reveals one respondent."))
    release_batch = forms.IntegerField(
        label=_("New responses needed before the figures are released again"),
        min_value=10, max_value=10_000,
        help_text=_("At least 10: a smaller batch could reveal a few people's answers."))
    access_code_margin_percent = forms.IntegerField(
        label=_("IIT access codes allowed beyond the approved headcount (%)"), min_value=0,
        max_value=100,
        help_text=_("At least 5 codes in any case; NACC can allow more for one agency."))
    oit_second_review_percent = forms.IntegerField(
        label=_("OIT decisions checked by a second consultant (%)"), min_value=0,
        max_value=100,
        help_text=_("Drawn item by item; where the two disagree, the team lead decides."))


class EnrolledAgencyFilterForm(AgencyFilterForm):
    """The registry filters plus the agency's enrolment state in the current year."""

    state = forms.ChoiceField(label=_("Enrolment"), required=False)
    field_order = ["q", "kind", "region", "province", "state", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("All states")), *EnrolmentState.choices]
        cast(forms.ChoiceField, self.fields["state"]).choices = choices


class HeadcountForm(SafeTextMixin, forms.Form):
    headcount = forms.IntegerField(
        label=_("Staff with at least one year of service"), min_value=1, max_value=1_000_000,
        help_text=_("Count everyone who works for the agency, from executives to contract "
                    "staff, with at least one year of service. Enter the number only."),
    )
