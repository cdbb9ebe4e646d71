"""Framework versions stored for use by assessment years (the files stay the source)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openita.core import audit
from openita.core.validators import code_validator


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (editable)")
    FROZEN = "frozen", _("Frozen (in use by an open year)")


class FrameworkVersion(models.Model):
    """One validated framework, as JSON; frozen for good once a year using it opens."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (B.E.)"))
    title_th = models.CharField(_("title (Thai)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    content = models.JSONField()
    checksum = models.CharField(max_length=64)
    source = models.CharField(_("source"), max_length=120)
    status = models.CharField(_("status"), max_length=16, choices=VersionStatus.choices,
                              default=VersionStatus.DRAFT)
    frozen_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-fiscal_year", "code"]
        verbose_name = _("framework version")

    def __str__(self) -> str:
        return self.code

    @property
    def is_frozen(self) -> bool:
        return self.status == VersionStatus.FROZEN


@audit.actions
class AuditAction(models.TextChoices):
    """What the audit log records of framework versions."""

    LOAD = "framework.load", _("Framework stored")
    CLONE = "framework.clone", _("Framework copied into a draft")
    EDIT = "framework.edit", _("Framework draft edited")
    FREEZE = "framework.freeze", _("Framework frozen")
