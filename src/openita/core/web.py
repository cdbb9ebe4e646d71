"""Small helpers the thin views share."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.functional import Promise

from openita.core.errors import ActionRefused


def posted(request: HttpRequest):
    """The POST data of a POST (even an empty one, so it is validated), else None."""
    return request.POST if request.method == "POST" else None


def posted_files(request: HttpRequest):
    return request.FILES if request.method == "POST" else None


def refuse_into_form(
    form: forms.BaseForm, error: ActionRefused, aliases: dict[str, str] | None = None
) -> None:
    """Show a refused action next to its field, or at the top of the form.

    ``aliases`` maps a service's field name to the form's, where they differ.
    """
    field = (aliases or {}).get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, str(error.message))


def refuse_into_messages(request: HttpRequest, error: ActionRefused) -> None:
    messages.error(request, str(error.message))


def attempt(request: HttpRequest, action: Callable[[], object], done: str | Promise) -> bool:
    """Carry out a button's service call: say ``done`` when it went through, or why it was
    refused (the service decides); whether it went through."""
    try:
        action()
    except ActionRefused as error:
        refuse_into_messages(request, error)
        return False
    messages.success(request, str(done))
    return True


def site_url(request: HttpRequest) -> str:
    """The scheme and host the person reached us at, to begin links that leave by e-mail."""
    return f"{request.scheme}://{request.get_host()}"
