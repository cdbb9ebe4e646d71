"""Validators that several apps share."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# Codes of agencies and framework versions: short, URL-safe, readable over the telephone.
code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,29}$",
    _("Use 1–30 letters, digits, dots, dashes or underscores."),
)
