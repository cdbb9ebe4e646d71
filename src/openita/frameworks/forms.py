from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from openita.core.forms import SafeTextMixin
from openita.core.validators import code_validator

from .models import FrameworkVersion


class CloneForm(SafeTextMixin, forms.Form):
    code = forms.CharField(label=_("Code of the new draft"), max_length=40,
                           validators=[code_validator],
                           help_text=_("For example ita-2570. Letters, digits, dots, dashes."))
    fiscal_year = forms.IntegerField(label=_("Fiscal year (B.E.)"), min_value=2560,
                                     max_value=2700)


class DraftForm(SafeTextMixin, forms.Form):
    text = forms.CharField(
        label=_("Framework (YAML)"),
        # The shipped frameworks are under 100 KB; a megabyte leaves room and a bound.
        max_length=1_000_000,
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false",
                                     "class": "source-text"}),
        help_text=_("The whole framework is checked when you save; nothing is saved if any "
                    "part is invalid."),
    )


class AttachForm(SafeTextMixin, forms.Form):
    framework = forms.ModelChoiceField(label=_("Framework"),
                                       queryset=FrameworkVersion.objects.all())
