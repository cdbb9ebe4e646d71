"""E-mails written as text templates whose first line is the subject."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.template.loader import render_to_string


def templated_message(template: str, context: dict, to: list[str]) -> EmailMessage:
    subject, _sep, text = render_to_string(template, context).partition("\n")
    return EmailMessage(subject.strip(), text.strip(), None, to)
