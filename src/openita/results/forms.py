from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openita.core.forms import SafeTextMixin
from openita.core.vocabulary import AgencyKind

from .models import AwardRule, ResultKind


class ComputeForm(SafeTextMixin, forms.Form):
    """What NACC computes: provisional or final results, of every agency or of one."""

    kind = forms.ChoiceField(label=_("Results"), choices=[
        (ResultKind.PROVISIONAL, _("Provisional results")),
        (ResultKind.FINAL, _("Final results"))])
    agency = forms.CharField(label=_("Only this agency (its code)"), required=False,
                             max_length=40)


class PastResultsForm(SafeTextMixin, forms.Form):
    file = forms.FileField(label=_("File (CSV or XLSX)"))


class PortalSearchForm(SafeTextMixin, forms.Form):
    """The public search box: text that cannot be a name (control characters, a NUL byte
    that PostgreSQL refuses) is an error shown on the page, never a failed query."""

    q = forms.CharField(label=_("Find an agency"), required=False, max_length=100)


class AwardCategoryForm(SafeTextMixin, forms.Form):
    name_th = forms.CharField(label=_("Name (Thai)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    rule = forms.ChoiceField(label=_("Who is in"), choices=AwardRule.choices)
    top = forms.IntegerField(label=_("How many of each agency type"), required=False,
                             min_value=1, max_value=1000)
    min_total = forms.DecimalField(label=_("Lowest total"), required=False, min_value=0,
                                   max_value=100, decimal_places=2, max_digits=5)
    kinds = forms.MultipleChoiceField(
        label=_("Agency types (none ticked: every type)"), required=False,
        choices=AgencyKind.choices, widget=forms.CheckboxSelectMultiple)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented way)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class NewsPostForm(SafeTextMixin, forms.Form):
    title_th = forms.CharField(label=_("Title (Thai)"), max_length=300)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    body_th = forms.CharField(label=_("Text (Thai)"), widget=forms.Textarea, max_length=20000)
    body_en = forms.CharField(label=_("Text (English)"), widget=forms.Textarea,
                              max_length=20000, required=False)
    documents = MultipleFileField(label=_("Attach documents (PDF, Word, Excel, JPEG, PNG; up "
                                      "to 10 MB each)"), required=False)
