"""The planning forms. Plain text only (line breaks kept, no HTML); a timeframe is either
whole months of the fiscal year, chosen from ต.ค. … ก.ย., or two exact days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from pythainlp.util import thai_strftime

from openita.core.forms import SafeTextMixin
from openita.core.thaidates import fiscal_year_bounds

from . import timeframes
from .models import MAX_TEXT, CoachingKind

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def set_choices(form: forms.BaseForm, name: str, choices: Any) -> None:
    field: Any = form.fields[name]
    field.choices = choices


def _area(label: Any, required: bool = False, rows: int = 3) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=MAX_TEXT,
                           widget=forms.Textarea(attrs={"rows": rows}))


def fiscal_months(fiscal_year: int) -> list[tuple[str, str]]:
    """The twelve months of the fiscal year as choices: ("2026-10", "ต.ค. 69") …"""
    first, _last = fiscal_year_bounds(fiscal_year)
    months = []
    for i in range(12):
        day = dt.date(first.year + (first.month + i - 1) // 12, (first.month + i - 1) % 12 + 1, 1)
        months.append((f"{day:%Y-%m}", thai_strftime(dt.datetime(day.year, day.month, 1),
                                                     "%b %y")))
    return months


class TimeframeForm(SafeTextMixin, forms.Form):
    """Months (the usual way of a plan) or exact days; ``values()`` gives the service's
    ``starts_on``, ``ends_on`` and ``by_month``."""

    by_month = forms.TypedChoiceField(
        label=_("Timeframe given as"), coerce=lambda v: v == "1", initial="1",
        choices=[("1", _("whole months")), ("0", _("exact days"))], widget=forms.RadioSelect)
    from_month = forms.ChoiceField(label=_("From month"), required=False)
    to_month = forms.ChoiceField(label=_("To month"), required=False)
    starts_on = forms.DateField(label=_("From day"), required=False, widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("To day"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, fiscal_year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        months = fiscal_months(fiscal_year)
        set_choices(self, "from_month", months)
        set_choices(self, "to_month", months)

    @staticmethod
    def initial_for(obj: Any) -> dict[str, Any]:
        return {"by_month": "1" if obj.by_month else "0",
                "from_month": f"{obj.starts_on:%Y-%m}", "to_month": f"{obj.ends_on:%Y-%m}",
                "starts_on": obj.starts_on, "ends_on": obj.ends_on}

    def timeframe(self) -> dict[str, Any]:
        data = self.cleaned_data
        if data.get("by_month"):
            def month(value: str) -> dt.date | None:
                return dt.date(int(value[:4]), int(value[5:7]), 1) if value else None
            starts_on, ends_on = month(data.get("from_month", "")), month(
                data.get("to_month", ""))
            return {"starts_on": starts_on,
                    "ends_on": timeframes.month_end(ends_on) if ends_on else None,
                    "by_month": True}
        return {"starts_on": data.get("starts_on"), "ends_on": data.get("ends_on"),
                "by_month": False}


class AnalysisForm(SafeTextMixin, forms.Form):
    weaknesses = _area(_("Urgent weaknesses"))
    topics = _area(_("Topics to develop"))
    practice = _area(_("How the findings are put into practice"))
    meeting_on = forms.DateField(label=_("Date of the review meeting"), required=False,
                                 widget=DATE_INPUT)
    meeting_attendees = _area(_("Who took part"), rows=2)

    def __init__(self, *args: Any, typed_scores: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.typed_scores = typed_scores
        if typed_scores:
            for number in range(1, 11):
                self.fields[f"score_{number}"] = forms.CharField(
                    label=_("Indicator %(n)d") % {"n": number}, required=False,
                    max_length=6, widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {k: data[k] for k in ("weaknesses", "topics", "practice",
                                       "meeting_attendees")}
        values["meeting_on"] = data["meeting_on"]
        if self.typed_scores:
            values["indicators"] = {str(n): data.get(f"score_{n}", "") for n in range(1, 11)}
        return values


class MeasureForm(TimeframeForm):
    indicator = forms.ChoiceField(label=_("Indicator"))
    title = forms.CharField(label=_("Measure"), max_length=300)
    guideline = _area(_("Guideline"))
    steps = _area(_("Steps or methods"), rows=4)
    responsible_unit = forms.CharField(label=_("Responsible unit"), max_length=300)
    monitoring = _area(_("How it is monitored"), rows=2)
    field_order = ["indicator", "title", "guideline", "steps", "responsible_unit",
                   "monitoring", "by_month", "from_month", "to_month", "starts_on", "ends_on"]

    def __init__(self, *args: Any, indicators: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "indicator", indicators)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {**{k: data[k] for k in ("indicator", "title", "guideline", "steps",
                                        "responsible_unit", "monitoring")},
                **self.timeframe()}


class LibraryForm(SafeTextMixin, forms.Form):
    keys = forms.MultipleChoiceField(label=_("Example measures"), required=False,
                                     widget=forms.CheckboxSelectMultiple)
    responsible_unit = forms.CharField(label=_("Responsible unit for these measures"),
                                       max_length=300, required=False)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "keys", choices)


class SignatoryForm(SafeTextMixin, forms.Form):
    """The background and the announcement's signatory of a measures set."""

    introduction = _area(_("Background"), rows=4)
    signatory_name = forms.CharField(label=_("Signed by (full name)"), max_length=200,
                                     required=False)
    signatory_position = forms.CharField(label=_("Position of the signatory"),
                                         max_length=200, required=False)
    announced_on = forms.DateField(label=_("Announced on"), required=False,
                                   widget=DATE_INPUT)


class PlanHeaderForm(SignatoryForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    remarks = _area(_("Remarks under the table"), rows=2)
    issued_by = forms.CharField(label=_("Issued by (unit)"), max_length=300, required=False)
    field_order = ["title", "introduction", "remarks", "issued_by", "signatory_name",
                   "signatory_position", "announced_on"]


class StepForm(TimeframeForm):
    phase = forms.TypedChoiceField(label=_("Phase"), coerce=int)
    action = forms.CharField(label=_("Step"), max_length=500)
    details = _area(_("What is done"))
    responsible_unit = forms.CharField(label=_("Responsible unit"), max_length=300)
    remarks = _area(_("Remarks"), rows=2)
    field_order = ["phase", "action", "details", "responsible_unit", "remarks", "by_month",
                   "from_month", "to_month", "starts_on", "ends_on"]

    def __init__(self, *args: Any, phases: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "phase", phases)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {**{k: data[k] for k in ("action", "details", "responsible_unit", "remarks")},
                **self.timeframe()}


class PhaseForm(SafeTextMixin, forms.Form):
    title = forms.CharField(label=_("New phase"), max_length=200)


class EntryForm(TimeframeForm):
    done = _area(_("What was done"))
    outputs = _area(_("Outputs"), rows=2)
    outcomes = _area(_("Outcomes"), rows=2)
    evidence_urls = _area(_("Evidence links (one per line)"), rows=2)
    remarks = _area(_("Remarks"), rows=2)
    field_order = ["done", "by_month", "from_month", "to_month", "starts_on", "ends_on",
                   "outputs", "outcomes", "evidence_urls", "remarks"]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {**{k: data[k] for k in ("done", "outputs", "outcomes", "evidence_urls",
                                        "remarks")}, **self.timeframe()}


class PreparedByForm(SafeTextMixin, forms.Form):
    name = forms.CharField(label=_("Prepared by (full name)"), max_length=200, required=False)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)


class CommentForm(SafeTextMixin, forms.Form):
    comment = _area(_("What should change"), rows=2)


class ReasonForm(SafeTextMixin, forms.Form):
    reason = _area(_("Reason"), rows=2)


class CoachingForm(SafeTextMixin, forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    kind = forms.ChoiceField(label=_("Kind"), choices=CoachingKind.choices)
    agencies = forms.TypedMultipleChoiceField(label=_("Agencies coached"), coerce=int,
                                              widget=forms.CheckboxSelectMultiple)
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    notes = _area(_("Notes"))

    def __init__(self, *args: Any, agencies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "agencies", agencies)
