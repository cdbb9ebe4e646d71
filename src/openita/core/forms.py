"""The audit log's filter."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from openita.core import audit


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per form: the actions are registered by the apps as they load.
        choices = [("", _("All actions")), *audit.action_choices()]
        cast(forms.ChoiceField, self.fields["action"]).choices = choices
