"""One-time IIT access codes: issuing them to an agency."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from openita.accounts.models import User
from openita.calendars.models import Enrolment
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require

from .models import AccessCode, AuditAction
from .services import ACCESS_ALPHABET, code_hash


@transaction.atomic
def issue_access_codes(enrolment: Enrolment, count: int, *, acting_user: User) -> list[str]:
    """New one-time IIT codes; only their keyed hashes are kept, so print them now."""
    require(acting_user, "surveys.manage_links", enrolment.agency)
    if not 1 <= count <= 2000:
        raise ActionRefused(_("Issue between 1 and 2,000 codes at a time."), field="count")
    codes: set[str] = set()
    while len(codes) < count:
        raw = "".join(secrets.choice(ACCESS_ALPHABET) for _ in range(8))
        if raw not in codes and not AccessCode.objects.filter(code_hash=code_hash(raw)).exists():
            codes.add(raw)
    AccessCode.objects.bulk_create(
        AccessCode(enrolment=enrolment, code_hash=code_hash(c)) for c in codes)
    audit.record(AuditAction.CODES_ISSUE, actor=acting_user, obj=enrolment,
                 after={"count": count})
    return sorted(f"{c[:4]}-{c[4:]}" for c in codes)
