"""People, their roles, consultant teams and invitations.

Every account is personal (ITAS shares one login per agency). What a person may do comes
only from their active role grants; one person may hold several, in several agencies.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from openita.core import audit


class PersonManager(UserManager):
    """Accounts are keyed by e-mail; there is no separate user name."""

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("an e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    # Accounts are keyed by e-mail and carry one full name (Thai names do not split into
    # first and last the way AbstractUser assumes).
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]
    objects = PersonManager()  # type: ignore[misc]

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name


class Role(models.TextChoices):
    NACC_ADMIN = "nacc_admin", _("NACC administrator")
    CONSULTANT = "consultant", _("Consultant")
    OVERSIGHT = "oversight", _("Oversight")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    AGENCY_EXECUTIVE = "agency_executive", _("Agency executive")


AGENCY_ROLES = (Role.AGENCY_ADMIN, Role.AGENCY_EXECUTIVE)


class ConsultantTeam(models.Model):
    """A university assessment team; it reviews the agencies of the groups assigned to it."""

    name_th = models.CharField(_("name (Thai)"), max_length=200, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    groups = models.ManyToManyField(
        "agencies.AgencyGroup", blank=True, related_name="teams", verbose_name=_("agency groups")
    )

    class Meta:
        ordering = ["name_th"]
        verbose_name = _("consultant team")

    def __str__(self) -> str:
        return self.name_th


class RoleTarget(models.Model):
    """What a role applies to: an agency, a team, or an oversight scope."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("agency"),
    )
    team = models.ForeignKey(
        ConsultantTeam, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("consultant team"),
    )
    province = models.ForeignKey(
        "agencies.Province", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("province"),
    )
    parent = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("parent organisation"),
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                name="%(class)s_target_matches_role",
                condition=(
                    Q(role="nacc_admin", agency__isnull=True, team__isnull=True,
                      province__isnull=True, parent__isnull=True)
                    | Q(role="consultant", team__isnull=False, agency__isnull=True,
                        province__isnull=True, parent__isnull=True)
                    | Q(role="oversight", agency__isnull=True, team__isnull=True,
                        province__isnull=False, parent__isnull=True)
                    | Q(role="oversight", agency__isnull=True, team__isnull=True,
                        province__isnull=True, parent__isnull=False)
                    | Q(role__in=["agency_admin", "agency_executive"], agency__isnull=False,
                        team__isnull=True, province__isnull=True, parent__isnull=True)
                ),
            )
        ]

    def target(self) -> object | None:
        return self.agency or self.team or self.province or self.parent


class RoleGrant(RoleTarget):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants",
        verbose_name=_("person"),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # A consultant who leads the team: settles the disagreements of second reviews and
    # confirms the team's OIT results (issue 10). Set by NACC on the team's page.
    team_lead = models.BooleanField(_("team lead"), default=False)

    class Meta(RoleTarget.Meta):
        ordering = ["role", "id"]
        verbose_name = _("role grant")
        indexes = [models.Index(fields=["user", "revoked_at"])]
        constraints = [
            *RoleTarget.Meta.constraints,
            models.CheckConstraint(name="only_a_consultant_leads_a_team",
                                   condition=Q(team_lead=False) | Q(role="consultant")),
        ]

    def __str__(self) -> str:
        target = self.target()
        label = self.get_role_display()
        return f"{label} — {target}" if target else str(label)


class Confirmation(models.TextChoices):
    """Whether someone outside the agency must confirm an invitation before it grants."""

    NOT_NEEDED = "not_needed", _("not needed")
    PENDING = "pending", _("awaiting confirmation")
    CONFIRMED = "confirmed", _("confirmed")
    REFUSED = "refused", _("refused")


class Invitation(RoleTarget):
    """An e-mailed invitation to take a role; only a hash of its token is stored.

    Every role given through a page is an invitation the person accepts, also when the
    address has an account already (no role without consent). An executive proposed by
    the agency's own administrator stays ``pending`` until NACC (or, where configured, the
    provincial oversight office) confirms it: the role grant exists only once the
    invitation is both accepted and confirmed (see ``accounts.duties``).
    """

    email = models.EmailField(_("e-mail"))
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    confirmation = models.CharField(
        _("confirmation"), max_length=16, choices=Confirmation.choices,
        default=Confirmation.NOT_NEEDED, db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("confirmed or refused by"),
    )
    decided_at = models.DateTimeField(_("confirmed or refused"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)

    class Meta(RoleTarget.Meta):
        ordering = ["-created_at"]
        verbose_name = _("invitation")

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"


@audit.actions
class AuditAction(models.TextChoices):
    """What the audit log records of people, roles and teams."""

    ROLE_GRANT = "role.grant", _("Role granted")
    ROLE_REVOKE = "role.revoke", _("Role removed")
    INVITATION_CREATE = "invitation.create", _("Invitation sent")
    INVITATION_ACCEPT = "invitation.accept", _("Invitation accepted")
    INVITATION_CANCEL = "invitation.cancel", _("Invitation cancelled")
    EXECUTIVE_CONFIRM = "invitation.confirm", _("Executive confirmed")
    EXECUTIVE_REFUSE = "invitation.refuse", _("Executive refused")
    PASSWORD_CHANGE = "account.password_change", _("Password changed")
    TEAM_CREATE = "team.create", _("Consultant team created")
    TEAM_UPDATE = "team.update", _("Consultant team changed")
    TEAM_LEAD = "team.set_lead", _("Team lead named or stood down")
    # Sign-in (issue 9)
    SIGN_IN = "account.sign_in", _("Signed in with the password")
    SIGN_IN_FAILED = "account.sign_in_failed", _("Sign-in failed")
    SIGN_IN_LOCKED_OUT = "account.sign_in_locked_out", _("Sign-in failed; locked out for a while")
    PASSWORD_RESET_REQUEST = "account.password_reset_request", _("Password reset requested")
    PASSWORD_RESET = "account.password_reset", _("Password reset by e-mail link")
    TWO_FACTOR_ENROL = "account.two_factor_enrol", _("Two-factor sign-in set up")
    TWO_FACTOR_VERIFY = "account.two_factor_verify", _("Two-factor code accepted")
    TWO_FACTOR_FAILED = "account.two_factor_failed", _("Two-factor code refused")
    RECOVERY_CODES = "account.recovery_codes", _("New recovery codes made")
    TWO_FACTOR_RESET = "account.two_factor_reset", _("Two-factor sign-in reset")
