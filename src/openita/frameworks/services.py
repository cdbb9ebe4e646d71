"""Framework versions in the database: load a shipped file, clone, edit a draft, attach to a
year, freeze when the year opens. Every change is audited."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel

from openita.accounts.models import User
from openita.core import audit
from openita.core.audit import Actor
from openita.core.errors import ActionRefused
from openita.core.permissions import require, require_unless_system
from openita.core.validators import forbidden_characters

from . import loader
from .models import AuditAction, FrameworkVersion, VersionStatus
from .schema import Framework


def to_data(framework: Framework) -> dict:
    """The framework as plain JSON-safe data; fractions as exact strings ("100/3")."""
    return _plain(framework.model_dump(mode="python"))


def _plain(value: Any) -> Any:
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def checksum_of(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def to_yaml(framework: Framework) -> str:
    return yaml.safe_dump(to_data(framework), allow_unicode=True, sort_keys=False, width=100)


# Parsed versions by content checksum; a handful of versions exist, so no eviction.
_PARSED: dict[str, Framework] = {}


def framework_by_checksum(version_id: int, checksum: str) -> Framework:
    """The parsed framework for a checksum; the stored content is read only on a miss."""
    framework = _PARSED.get(checksum)
    if framework is None:
        return framework_of(FrameworkVersion.objects.get(pk=version_id))
    return framework


def framework_of(version: FrameworkVersion) -> Framework:
    """The parsed framework of a stored version, cached by content checksum, so the next
    call costs neither a query nor a parse; survey pages and scoring read it this way."""
    framework = _PARSED.get(version.checksum)
    if framework is None:
        framework = _PARSED[version.checksum] = Framework.model_validate(version.content)
    return framework


# Far beyond any weight, score or threshold, and below the 4,300 digits Python writes out.
_MAX_NUMBER_BITS = 4_000


def _values(value: Any) -> Iterator[Any]:
    """Every number and text in a parsed framework, dictionary keys included."""
    if isinstance(value, BaseModel):
        for item in value.__dict__.values():
            yield from _values(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _values(key)
            yield from _values(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _values(item)
    else:
        yield value


def _refuse_absurd_values(framework: Framework) -> None:
    """What is stored must read back and print: a number too long to write as text
    ("1e5000") would be stored as "<unprintable Fraction object>" and break every page of
    its year; a control character written as a YAML escape ("\\v") passes the form's guard
    on typed text but breaks the PDFs and spreadsheets made from the framework."""
    for value in _values(framework):
        if isinstance(value, Fraction):
            huge = max(abs(value.numerator), value.denominator).bit_length() > _MAX_NUMBER_BITS
        elif isinstance(value, int):
            huge = abs(value).bit_length() > _MAX_NUMBER_BITS
        elif isinstance(value, str) and forbidden_characters(value, multiline=True):
            shown = "".join(c for c in value if not forbidden_characters(c, multiline=True))
            raise ActionRefused(_("A text in the framework contains invisible control "
                                  "characters: “%(text)s”.") % {"text": shown[:60]},
                                field="text")
        else:
            continue
        if huge:
            raise ActionRefused(_("A number in the framework is too large."), field="text")


def _store(version: FrameworkVersion, framework: Framework) -> None:
    _refuse_absurd_values(framework)
    data = to_data(framework)
    version.content = data
    version.checksum = checksum_of(data)
    version.fiscal_year = framework.fiscal_year
    version.title_th, version.title_en = framework.title_th, framework.title_en


@transaction.atomic
def load_shipped(framework_id: str, *, acting_user: Actor) -> FrameworkVersion:
    """Store (or refresh, while still a draft) a framework file that ships with openita.

    People need the NACC role; the command line and the demo act as the system.
    """
    require_unless_system(acting_user, "frameworks.manage_frameworks")
    framework = loader.get(framework_id)
    version = FrameworkVersion.objects.select_for_update().filter(code=framework.id).first()
    if version is not None and version.is_frozen:
        if version.checksum != checksum_of(to_data(framework)):
            raise ActionRefused(_("Framework %(code)s is frozen; its file changed since. Clone "
                                  "it under a new code instead.") % {"code": version.code})
        return version
    before = version.checksum if version else None
    version = version or FrameworkVersion(code=framework.id, source=f"file {framework.id}.yaml",
                                          created_by=_user(acting_user))
    _store(version, framework)
    if before == version.checksum:
        return version
    version.save()
    audit.record(AuditAction.LOAD, actor=acting_user, obj=version,
                 before={"checksum": before}, after={"checksum": version.checksum})
    return version


def _user(acting_user: Any):
    return acting_user if getattr(acting_user, "is_authenticated", False) else None


@transaction.atomic
def clone(version: FrameworkVersion, code: str, fiscal_year: int, *,
          acting_user: User) -> FrameworkVersion:
    """A new draft copied from ``version``, to be edited for another year."""
    require(acting_user, "frameworks.manage_frameworks")
    if FrameworkVersion.objects.filter(code__iexact=code).exists():
        raise ActionRefused(_("The code %(code)s is taken.") % {"code": code}, field="code")
    data = {**version.content, "id": code, "fiscal_year": fiscal_year}
    framework = _validate(data, code)
    copy = FrameworkVersion(code=code, source=f"clone of {version.code}",
                            created_by=_user(acting_user))
    _store(copy, framework)
    copy.save()
    audit.record(AuditAction.CLONE, actor=acting_user, obj=copy,
                 after={"from": version.code, "checksum": copy.checksum})
    return copy


def _validate(data: dict, name: str) -> Framework:
    try:
        return loader.parse(json.dumps(data, ensure_ascii=False), name)
    except loader.FrameworkError as error:
        raise ActionRefused(_("%(path)s: %(reason)s") % {"path": error.path or name,
                                                          "reason": error.reason}) from None


@transaction.atomic
def save_draft_text(version: FrameworkVersion, text: str, *,
                    acting_user: User) -> FrameworkVersion:
    """Replace a draft with edited YAML, after validating it whole; a frozen one refuses."""
    require(acting_user, "frameworks.manage_frameworks")
    version = FrameworkVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_frozen:
        raise ActionRefused(_("This framework is frozen: a year that uses it has opened."))
    try:
        framework = loader.parse(text, version.code)
    except loader.FrameworkError as error:
        raise ActionRefused(_("%(path)s: %(reason)s") % {
            "path": error.path or _("the text"), "reason": error.reason}, field="text") from None
    except ValueError:  # the YAML reader's own: a number of more than 4,300 digits
        raise ActionRefused(_("A number in the framework is too large."), field="text") from None
    if framework.id != version.code:
        raise ActionRefused(_("The id must stay %(code)s.") % {"code": version.code},
                            field="text")
    before = version.checksum
    _store(version, framework)
    if before != version.checksum:
        version.save()
        audit.record(AuditAction.EDIT, actor=acting_user, obj=version,
                     before={"checksum": before}, after={"checksum": version.checksum})
    return version


@transaction.atomic
def freeze(version: FrameworkVersion, *, acting_user: Actor) -> None:
    """The version can no longer change (part of opening a year, in that transaction)."""
    if version.is_frozen:
        return
    FrameworkVersion.objects.filter(pk=version.pk).update(
        status=VersionStatus.FROZEN, frozen_at=timezone.now())
    audit.record(AuditAction.FREEZE, actor=acting_user, obj=version,
                 after={"checksum": version.checksum})
