"""Words of the ITA that more than one app uses: the types of agency.

The registry classifies agencies by type, and a framework file addresses notes to types
(``agency_notes: kinds: [sao, …]``), so both read the one list from here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
