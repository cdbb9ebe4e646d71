"""The agency registry: provinces, agency groups, agencies and their contacts."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from openita.core import audit
from openita.core.validators import code_validator
from openita.core.vocabulary import AgencyKind


class Region(models.TextChoices):
    """The Royal Institute's six geographic regions."""

    NORTH = "north", _("North")
    NORTHEAST = "northeast", _("Northeast")
    CENTRAL = "central", _("Central")
    EAST = "east", _("East")
    WEST = "west", _("West")
    SOUTH = "south", _("South")


class SizeClass(models.TextChoices):
    SMALL = "S", _("Small (S)")
    MEDIUM = "M", _("Medium (M)")
    LARGE = "L", _("Large (L)")


# NACC's FY2568 EIT sample table classifies these kinds by size (research §8.2).
SIZED_KINDS = frozenset({AgencyKind.SAO, AgencyKind.SUBDISTRICT_MUNICIPALITY})
# Kinds that are tied to one province (central bodies may have none).
LOCAL_KINDS = frozenset({
    AgencyKind.PROVINCE, AgencyKind.PAO, AgencyKind.CITY_MUNICIPALITY,
    AgencyKind.TOWN_MUNICIPALITY, AgencyKind.SUBDISTRICT_MUNICIPALITY, AgencyKind.SAO,
    AgencyKind.BANGKOK, AgencyKind.PATTAYA,
})


class Province(models.Model):
    code = models.CharField(_("code"), max_length=8, unique=True)
    name_th = models.CharField(_("name (Thai)"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices)

    class Meta:
        ordering = ["name_th"]
        verbose_name = _("province")

    def __str__(self) -> str:
        return self.name_th


class AgencyGroup(models.Model):
    """An assessment group (e.g. SAOs of the North); consultant teams take whole groups."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency group")

    def __str__(self) -> str:
        return f"{self.code} {self.name_th}"


class Agency(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True, validators=[code_validator])
    name_th = models.CharField(_("name (Thai)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    kind = models.CharField(_("type"), max_length=32, choices=AgencyKind.choices, db_index=True)
    size_class = models.CharField(
        _("size class"), max_length=1, choices=SizeClass.choices, blank=True
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent organisation"),
    )
    # "/<root id>/…/<own id>/": lets an oversight body see its whole subtree in one query.
    lineage = models.CharField(max_length=255, db_index=True, editable=False, default="")
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="agencies",
        verbose_name=_("province"),
    )
    group = models.ForeignKey(
        AgencyGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="agencies",
        verbose_name=_("assessment group"),
    )
    website = models.URLField(_("main website"), max_length=300, blank=True)
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    active = models.BooleanField(_("active"), default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        indexes = [models.Index(fields=["name_th"])]

    def __str__(self) -> str:
        return self.name_th

    @property
    def region(self) -> str:
        return self.province.region if self.province is not None else ""

    def get_region_display(self) -> str:
        return str(Region(self.province.region).label) if self.province is not None else ""


class AgencyContact(models.Model):
    """A person the consultants and NACC can reach (not necessarily a user)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_primary = models.BooleanField(_("main contact"), default=False)

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("contact")

    def __str__(self) -> str:
        return self.name


@audit.actions
class AuditAction(models.TextChoices):
    """What the audit log records of the registry."""

    AGENCY_CREATE = "agency.create", _("Agency added to the registry")
    AGENCY_UPDATE = "agency.update", _("Registry record changed")
    AGENCY_ACTIVATE = "agency.activate", _("Agency reactivated")
    AGENCY_DEACTIVATE = "agency.deactivate", _("Agency deactivated")
    PROFILE_UPDATE = "agency.update_profile", _("Agency profile changed")
    CONTACT_SAVE = "contact.save", _("Contact saved")
    CONTACT_DELETE = "contact.delete", _("Contact removed")
    IMPORT = "agency.import", _("Registry imported")
