from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from openita.core.forms import SafeTextMixin

from .models import ResultKind


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
