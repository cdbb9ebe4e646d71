"""The agency registry (provinces, agency groups, agencies, contacts) and enrolment."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    """The Royal Institute's six geographic regions."""

    NORTH = "north", _("North")
    NORTHEAST = "northeast", _("Northeast")
    CENTRAL = "central", _("Central")
    EAST = "east", _("East")
    WEST = "west", _("West")
    SOUTH = "south", _("South")


class AgencyKind(models.TextChoices):
    """Result types NACC reports separately; local bodies are split by legal form."""

    MINISTRY = "ministry", _("Ministry-level office")
    DEPARTMENT = "department", _("Department")
    PROVINCE = "province", _("Province")
    STATE_ENTERPRISE = "state_enterprise", _("State enterprise")
    PUBLIC_ORGANISATION = "public_organisation", _("Public organisation")
    INDEPENDENT_ORGAN = "independent_organ", _("Independent organ, court or parliament office")
    UNIVERSITY = "university", _("University")
    OTHER_STATE_AGENCY = "other_state_agency", _("Other state agency")
    PAO = "pao", _("Provincial Administrative Organisation")
    CITY_MUNICIPALITY = "city_municipality", _("City municipality")
    TOWN_MUNICIPALITY = "town_municipality", _("Town municipality")
    SUBDISTRICT_MUNICIPALITY = "subdistrict_municipality", _("Sub-district municipality")
    SAO = "sao", _("Sub-district Administrative Organisation")
    BANGKOK = "bangkok", _("Bangkok Metropolitan Administration")
    PATTAYA = "pattaya", _("Pattaya City")


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


code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,29}$",
    _("Use 1–30 letters, digits, dots, dashes or underscores."),
)


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
        return self.province.region if self.province_id else ""

    def get_region_display(self) -> str:
        return Region(self.province.region).label if self.province_id else ""


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


class EnrolmentState(models.TextChoices):
    NOT_REGISTERED = "not_registered", _("Not registered")
    REGISTERED = "registered", _("Registered")
    HEADCOUNT_SUBMITTED = "headcount_submitted", _("Headcount awaiting approval")
    HEADCOUNT_APPROVED = "headcount_approved", _("Headcount approved")


class Enrolment(models.Model):
    """An agency's participation in one assessment year; later phases extend the states."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="enrolments")
    year = models.ForeignKey(
        "calendars.AssessmentYear", on_delete=models.PROTECT, related_name="enrolments"
    )
    state = models.CharField(
        _("state"), max_length=32, choices=EnrolmentState.choices,
        default=EnrolmentState.NOT_REGISTERED, db_index=True,
    )
    registered_at = models.DateTimeField(null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    headcount = models.PositiveIntegerField(
        _("staff with at least one year of service"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1_000_000)],
    )
    headcount_submitted_at = models.DateTimeField(null=True, blank=True)
    headcount_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    headcount_approved_at = models.DateTimeField(null=True, blank=True)
    headcount_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    headcount_returned_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("enrolment")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="one_enrolment_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.year}"
