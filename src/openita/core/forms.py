"""Form pieces every app shares: the guard on typed text, and the audit log's filter."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.utils.translation import gettext_lazy as _

from openita.core import audit
from openita.core.validators import multi_line_text, single_line_text

# Bounds for fields that state none. A longer value is no name, code or address but an
# attack on what reads it later: SQLite refuses a LIKE pattern over 50,000 bytes, a page
# with the value echoed back grows without end. A field that needs more says so itself.
MAX_LINE_LENGTH = 1_000
MAX_TEXT_LENGTH = 20_000
# PostgreSQL's ``integer``: the narrowest column an unbounded form integer may end up in.
INTEGER_BOUNDS = (-(2**31), 2**31 - 1)


def guard_field(field: forms.Field) -> None:
    """Make one form field safe against absurd input; doing it twice changes nothing.

    - text: no control characters (line breaks and tabs allowed in a Textarea), and a
      length bound when the field has none;
    - integers (and decimals): bounds when the field has none, so a 20-digit number is a
      form error rather than an overflow in the database driver;
    - a choice of database rows by integer key: a key out of the column's range is an
      invalid choice before any query is made (``pk__in`` with such a number raises
      OverflowError on SQLite and "out of range" on PostgreSQL).
    """
    if getattr(field, "_openita_guarded", False):
        return
    field._openita_guarded = True  # type: ignore[attr-defined]
    if isinstance(field, forms.CharField):
        multiline = isinstance(field.widget, forms.Textarea)
        field.validators.append(multi_line_text if multiline else single_line_text)
        if field.max_length is None:
            field.max_length = MAX_TEXT_LENGTH if multiline else MAX_LINE_LENGTH
            field.validators.append(_TextLengthValidator(field.max_length))
            if not field.widget.is_hidden:
                field.widget.attrs.setdefault("maxlength", str(field.max_length))
    elif isinstance(field, forms.IntegerField):  # FloatField and DecimalField too
        low, high = INTEGER_BOUNDS
        if field.max_value is None:
            field.max_value = high
            field.validators.append(MaxValueValidator(high))
        if field.min_value is None:
            field.min_value = low
            field.validators.append(MinValueValidator(low))
    elif isinstance(field, forms.ModelChoiceField):  # and ModelMultipleChoiceField
        field.clean = functools.partial(_clean_keys, field, field.clean)  # type: ignore[method-assign]


class _TextLengthValidator(MaxLengthValidator):
    """The length bound, for text only: some text fields clean to other values (a UUID,
    parsed JSON) that have no length."""

    def clean(self, x: Any) -> int:
        return len(x) if isinstance(x, str) else 0


def _clean_keys(field: forms.ModelChoiceField, clean: Callable[[Any], Any], value: Any) -> Any:
    """``field.clean``, once every submitted key fits the key column (read at clean time:
    forms often set the queryset after ``__init__``)."""
    queryset = field.queryset
    if queryset is not None:
        meta = queryset.model._meta
        key = meta.get_field(field.to_field_name) if field.to_field_name else meta.pk
        while key is not None and key.is_relation:
            key = key.target_field
        if isinstance(key, models.IntegerField):
            low, high = connections[queryset.db].ops.integer_field_range(key.get_internal_type())
            for item in value if isinstance(value, list | tuple) else [value]:
                number = _as_integer(item)
                if number is not None and not low <= number <= high:
                    if isinstance(field, forms.ModelMultipleChoiceField):
                        raise ValidationError(field.error_messages["invalid_pk_value"],
                                              code="invalid_pk_value",
                                              params={"pk": str(item)[:30]})
                    raise ValidationError(field.error_messages["invalid_choice"],
                                          code="invalid_choice",
                                          params={"value": str(item)[:30]})
    return clean(value)


def _as_integer(item: Any) -> int | None:
    """The integer a submitted key spells, or None (then Django's own checks apply)."""
    if isinstance(item, bool) or not isinstance(item, int | str):
        return None
    try:
        return int(item)
    except ValueError:  # not a number, or more than Python's 4,300 digits
        return None


if TYPE_CHECKING:
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class SafeTextMixin(_FormBase):
    """Every field of the form refuses absurd input (see ``guard_field``): mix into every
    form, as the first base.

    A test walks all forms of openita and fails on one without it, so a new form cannot
    forget the guard. Fields are guarded when the form is made (so their limits show in the
    page) and again just before it is cleaned (so a field added or replaced later in a
    subclass's ``__init__`` is guarded too).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._guard_fields()

    def full_clean(self) -> None:
        self._guard_fields()
        super().full_clean()

    def _guard_fields(self) -> None:
        for field in self.fields.values():
            guard_field(field)


class AuditFilterForm(SafeTextMixin, forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per form: the actions are registered by the apps as they load.
        choices = [("", _("All actions")), *audit.action_choices()]
        cast(forms.ChoiceField, self.fields["action"]).choices = choices


class SearchForm(SafeTextMixin, forms.Form):
    """The free-text search of a list page (``?q=``), read through the guard."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)


def search_text(data: Any) -> str:
    """The list's search text from a query string; a value the guard refuses (control
    characters, absurd length) searches for nothing rather than reaching the database."""
    form = SearchForm(data)
    return form.cleaned_data["q"].strip() if form.is_valid() else ""
