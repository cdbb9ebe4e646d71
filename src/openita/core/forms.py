"""Form pieces every app shares: the guard on typed text, and the audit log's filter."""

from __future__ import annotations

import unicodedata
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from openita.core import audit

# Line breaks and tabs are text in a multi-line field; everywhere else they, like every other
# control character (NUL, vertical tab, escape, DEL, the C1 range), break what reads the
# value later: a spreadsheet export, a CSV, a PDF, a terminal. Bidirectional overrides make
# a name display as something else.
_MULTILINE_ALLOWED = frozenset("\n\r\t")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def forbidden_characters(value: str, *, multiline: bool) -> list[str]:
    """The characters of ``value`` that may not be stored, in order of appearance."""
    allowed = _MULTILINE_ALLOWED if multiline else frozenset()
    return [c for c in value if c not in allowed and (
        unicodedata.category(c) in ("Cc", "Cs") or c in _BIDI_CONTROLS or c in "\u2028\u2029")]


def refuse_control_characters(value: Any, *, multiline: bool = False) -> None:
    """A validator: refuse text with control characters (see ``forbidden_characters``)."""
    if isinstance(value, str) and forbidden_characters(value, multiline=multiline):
        raise ValidationError(
            _("This text contains invisible control characters (for example a tab, a line "
              "break or a character copied from another program). Type it again or remove "
              "them."), code="control_characters")


def _multiline_guard(value: Any) -> None:
    refuse_control_characters(value, multiline=True)


def _single_line_guard(value: Any) -> None:
    refuse_control_characters(value, multiline=False)


class SafeTextMixin:
    """Every text field of the form refuses control characters: mix into every form.

    A test walks all forms of openita and fails on one without it, so a new form cannot
    forget the guard.
    """

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                multiline = isinstance(field.widget, forms.Textarea)
                field.validators.append(_multiline_guard if multiline else _single_line_guard)


class AuditFilterForm(SafeTextMixin, forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per form: the actions are registered by the apps as they load.
        choices = [("", _("All actions")), *audit.action_choices()]
        cast(forms.ChoiceField, self.fields["action"]).choices = choices
