"""The site floor keeps no tables; it only names what it records in the audit log."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from openita.core import audit


@audit.actions
class AuditAction(models.TextChoices):
    DEMO_GENERATE = "demo.generate", _("Demo country generated")
