"""Role grants, invitations and consultant teams.

Who may grant what: a NACC admin grants any role; an agency admin invites colleagues as
admins or the executive of their own agency. Every grant, revocation and invitation is
audited in the transaction that makes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.mail import templated_message
from openita.core.permissions import require

from .models import AGENCY_ROLES, AuditAction, ConsultantTeam, Invitation, Role, RoleGrant, User
from .predicates import forget_roles, roles_of

TARGET_FIELDS = ("agency", "team", "province", "parent")


def _target_kwargs(role: str, target: dict) -> dict:
    """Keep only the target field that ``role`` uses, and refuse a missing one."""
    needed = {
        Role.NACC_ADMIN: (),
        Role.CONSULTANT: ("team",),
        Role.OVERSIGHT: ("province", "parent"),
        Role.AGENCY_ADMIN: ("agency",),
        Role.AGENCY_EXECUTIVE: ("agency",),
    }[Role(role)]
    kwargs = {field: target.get(field) if field in needed else None for field in TARGET_FIELDS}
    if needed and not any(kwargs[f] for f in needed):
        raise ActionRefused(_("Choose what this role applies to."), field=needed[0])
    if role == Role.OVERSIGHT and kwargs["province"] and kwargs["parent"]:
        raise ActionRefused(
            _("An oversight role covers either a province or a parent organisation, not both."),
            field="parent",
        )
    return kwargs


def require_may_grant(acting_user: User, role: str, target: dict) -> None:
    """NACC grants anything; an agency admin only agency roles of their own agency."""
    roles = roles_of(acting_user)
    if roles.nacc_admin:
        return
    agency = target.get("agency")
    if role in AGENCY_ROLES and agency is not None and agency.pk in roles.admin_of:
        return
    raise PermissionDenied("grant role")


def grants_managed_by(user: User) -> QuerySet[RoleGrant]:
    """The role grants ``user`` may remove: every one for NACC, the agency roles of their
    own agencies for an agency admin, none for anyone else. Views look grants up here, so
    a grant out of reach is "not found", never "forbidden" (its existence does not leak)."""
    roles = roles_of(user)
    if roles.nacc_admin:
        return RoleGrant.objects.all()
    return RoleGrant.objects.filter(role__in=AGENCY_ROLES, agency_id__in=roles.admin_of)


def invitations_managed_by(user: User) -> QuerySet[Invitation]:
    """The open invitations ``user`` may withdraw, on the same terms as the grants."""
    roles = roles_of(user)
    invitations = Invitation.objects.filter(accepted_at__isnull=True)
    if roles.nacc_admin:
        return invitations
    return invitations.filter(role__in=AGENCY_ROLES, agency_id__in=roles.admin_of)


def _target_label(kwargs: dict) -> str | None:
    for field in TARGET_FIELDS:
        if kwargs.get(field) is not None:
            return f"{field}:{kwargs[field].pk}"
    return None


@transaction.atomic
def grant_role(user: User, role: str, *, acting_user: User, **target: Any) -> RoleGrant:
    """Give ``user`` a role (idempotent: an identical active grant is returned as is).

    Only a NACC admin may grant a role to themselves: otherwise an agency admin could make
    themselves the executive and approve their own submissions.
    """
    require_may_grant(acting_user, role, target)
    if user.pk == acting_user.pk and not roles_of(acting_user).nacc_admin:
        raise ActionRefused(_("You cannot give a role to yourself."), field="email")
    kwargs = _target_kwargs(role, target)
    existing = RoleGrant.objects.filter(
        user=user, role=role, revoked_at__isnull=True, **kwargs
    ).first()
    if existing:
        return existing
    grant = RoleGrant.objects.create(
        user=user, role=role, granted_by=acting_user if acting_user.is_authenticated else None,
        **kwargs,
    )
    audit.record(AuditAction.ROLE_GRANT, actor=acting_user, obj=grant,
                 after={"user": user.email, "role": role, "target": _target_label(kwargs)})
    forget_roles(user)
    return grant


@transaction.atomic
def revoke_role(grant: RoleGrant, reason: str = "", *, acting_user: User) -> RoleGrant:
    require_may_grant(acting_user, grant.role, {"agency": grant.agency})
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.revoked_at is not None:
        return grant
    if grant.user_id == acting_user.pk and grant.role == Role.NACC_ADMIN:
        raise ActionRefused(_("You cannot remove your own NACC administrator role."))
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    audit.record(AuditAction.ROLE_REVOKE, actor=acting_user, obj=grant, reason=reason,
                 before={"user": grant.user.email, "role": grant.role}, after={"revoked": True})
    forget_roles(grant.user)
    return grant


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@transaction.atomic
def invite(
    email: str, role: str, *, acting_user: User, full_name: str = "", site_url: str = "",
    **target: Any,
) -> tuple[Invitation | None, RoleGrant | None]:
    """Invite a person to a role by e-mail.

    If the address already has an account, the role is granted at once and the person is
    told by e-mail; otherwise an invitation with a secret link is sent (valid for
    ``OPENITA_INVITATION_DAYS``). ``site_url`` (scheme and host, e.g. the address the
    inviting person is using) begins the link; ``OPENITA_SITE_URL`` when empty.
    """
    require_may_grant(acting_user, role, target)
    kwargs = _target_kwargs(role, target)
    email = email.strip().lower()
    existing_user = User.objects.filter(email=email).first()
    if existing_user is not None:
        grant = grant_role(existing_user, role, acting_user=acting_user, **kwargs)
        _send(email, "accounts/email/role_granted.txt", {"grant": grant})
        return None, grant
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email, full_name=full_name.strip(), role=role, token_hash=_token_hash(token),
        invited_by=acting_user,
        expires_at=timezone.now() + dt.timedelta(days=settings.OPENITA_INVITATION_DAYS),
        **kwargs,
    )
    audit.record(AuditAction.INVITATION_CREATE, actor=acting_user, obj=invitation,
                 after={"email": email, "role": role, "target": _target_label(kwargs)})
    base = (site_url or settings.OPENITA_SITE_URL).rstrip("/")
    link = base + reverse("accounts:accept", args=[token])
    _send(email, "accounts/email/invitation.txt", {"invitation": invitation, "link": link})
    return invitation, None


def _send(to: str, template: str, context: dict) -> None:
    """Mail after commit, so a rolled-back change never sends a message.

    ``robust``: a mail server that is down must not turn a committed change into an error
    page (the person would retry and invite twice); the failure is logged instead.
    """
    transaction.on_commit(templated_message(template, context, [to]).send, robust=True)


def pending_invitation(token: str) -> Invitation | None:
    """The open, unexpired invitation for a token, or None."""
    invitation = Invitation.objects.filter(token_hash=_token_hash(token or "")).first()
    if invitation is None or invitation.accepted_at or invitation.expires_at < timezone.now():
        return None
    return invitation


@transaction.atomic
def accept_invitation(token: str, full_name: str, password: str) -> User:
    """Create the invited person's account and grant the role, once."""
    invitation = pending_invitation(token)
    if invitation is None:
        raise ActionRefused(_("This invitation link is not valid any more."))
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ActionRefused(_("This invitation link is not valid any more."))
    target = {f: getattr(invitation, f) for f in TARGET_FIELDS}
    try:  # the inviter must still hold the right to grant this role
        require_may_grant(User.objects.get(pk=invitation.invited_by_id), invitation.role, target)
    except PermissionDenied as error:
        raise ActionRefused(_("This invitation was withdrawn.")) from error
    if User.objects.filter(email=invitation.email).exists():
        raise ActionRefused(_("An account with this e-mail exists already; sign in instead."))
    user = User(email=invitation.email, full_name=full_name.strip())
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ActionRefused(" ".join(error.messages), field="password1") from error
    user.set_password(password)
    user.save()
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    grant = RoleGrant.objects.create(
        user=user, role=invitation.role, granted_by=invitation.invited_by,
        **_target_kwargs(invitation.role, target),
    )
    audit.record(AuditAction.INVITATION_ACCEPT, actor=user, obj=invitation,
                 after={"user": user.email, "grant": grant.pk, "role": grant.role})
    return user


@transaction.atomic
def cancel_invitation(invitation: Invitation, *, acting_user: User) -> None:
    """Withdraw an open invitation; its link stops working at once."""
    require_may_grant(acting_user, invitation.role, {"agency": invitation.agency})
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ActionRefused(_("This invitation was already accepted."))
    audit.record(AuditAction.INVITATION_CANCEL, actor=acting_user, obj=invitation,
                 before={"email": invitation.email, "role": invitation.role})
    invitation.delete()


def open_invitations():
    return Invitation.objects.filter(accepted_at__isnull=True).select_related(
        "agency", "team", "province", "parent")


@transaction.atomic
def change_password(new_password: str, *, acting_user: User) -> User:
    """The person sets a new password (the form has checked the old one and the password
    rules); audited, never the password itself."""
    user = User.objects.select_for_update().get(pk=acting_user.pk)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(AuditAction.PASSWORD_CHANGE, actor=acting_user, obj=user)
    return user


# --- consultant teams ------------------------------------------------------------------


@transaction.atomic
def save_team(team: ConsultantTeam, group_ids: list[int], *, acting_user: User) -> ConsultantTeam:
    """Create or change a team and the agency groups it reviews."""
    require(acting_user, "accounts.manage_teams")
    before = None
    if team.pk:
        before = {"name_th": ConsultantTeam.objects.get(pk=team.pk).name_th,
                  "groups": sorted(team.groups.values_list("pk", flat=True))}
    team.save()
    team.groups.set(group_ids)
    action = AuditAction.TEAM_CREATE if before is None else AuditAction.TEAM_UPDATE
    audit.record(action, actor=acting_user, obj=team, before=before,
                 after={"name_th": team.name_th, "groups": sorted(group_ids)})
    return team


def active_grants(user: User):
    return user.grants.filter(revoked_at__isnull=True).select_related(
        "agency", "team", "province", "parent"
    )
