"""Small helpers the thin views share."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from openita.core.errors import ActionRefused


def refuse_into_form(form: forms.Form, error: ActionRefused) -> None:
    """Show a refused action next to its field, or at the top of the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def refuse_into_messages(request: HttpRequest, error: ActionRefused) -> None:
    messages.error(request, str(error.message))
