"""Validators that several apps share."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Codes of agencies and framework versions: short, URL-safe, readable over the telephone.
code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,29}$",
    _("Use 1–30 letters, digits, dots, dashes or underscores."),
)

# Line breaks and tabs are text in a multi-line field; everywhere else they, like every other
# control character (NUL, vertical tab, escape, DEL, the C1 range), break what reads the
# value later: a spreadsheet export, a CSV, a PDF, a terminal. Bidirectional overrides make
# a name display as something else; lone surrogates cannot be encoded at all.
_MULTILINE_ALLOWED = frozenset("\n\r\t")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_SEPARATORS = frozenset("\u2028\u2029")

CONTROL_CHARACTERS_MESSAGE = _(
    "This text contains invisible control characters (for example a tab, a line break or a "
    "character copied from another program). Type it again or remove them.")


def forbidden_characters(value: str, *, multiline: bool) -> list[str]:
    """The characters of ``value`` that may not be stored, in order of appearance."""
    allowed = _MULTILINE_ALLOWED if multiline else frozenset()
    return [c for c in value if c not in allowed and (
        unicodedata.category(c) in ("Cc", "Cs") or c in _BIDI_CONTROLS
        or c in _LINE_SEPARATORS)]


@deconstructible
class ControlCharacterValidator:
    """Refuse text with control characters (see ``forbidden_characters``).

    For forms (``core.forms.SafeTextMixin`` adds it to every text field), model fields and
    services that store text from outside a form (the registry import).
    """

    code = "control_characters"

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, value: Any) -> None:
        if isinstance(value, str) and forbidden_characters(value, multiline=self.multiline):
            raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code=self.code)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ControlCharacterValidator)
                and other.multiline == self.multiline)

    def __hash__(self) -> int:
        return hash((type(self), self.multiline))


single_line_text = ControlCharacterValidator(multiline=False)
multi_line_text = ControlCharacterValidator(multiline=True)
