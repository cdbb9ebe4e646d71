"""Forms of the separation of duties: NACC's decision on a proposed executive."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from openita.core.forms import SafeTextMixin


class ExecutiveDecisionForm(SafeTextMixin, forms.Form):
    """Confirm or refuse a proposed executive; a refusal needs its reason."""

    CONFIRM = "confirm"
    REFUSE = "refuse"

    decision = forms.ChoiceField(choices=[(CONFIRM, _("Confirm")), (REFUSE, _("Refuse"))])
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == self.REFUSE and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason."))
        return cleaned
