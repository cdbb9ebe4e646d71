"""Role grants, invitations and consultant teams.

Who may grant what: a NACC admin grants any role; an agency admin invites colleagues as
admins of their own agency, and proposes its executive, whom NACC (or, where configured,
the provincial oversight office) confirms before the role exists (``duties``). Every role
given through a page is an invitation the person accepts, also when the address has an
account already: no role without consent, and the inviter learns nothing of the account.
Every grant, revocation, invitation and decision is audited in the transaction that makes
it.
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

from .duties import (
    may_confirm_executive,
    refuse_if_inactive,
    require_invitation_quota,
)
from .models import (
    AGENCY_ROLES,
    AuditAction,
    Confirmation,
    ConsultantTeam,
    Invitation,
    Role,
    RoleGrant,
    User,
)
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
    """NACC grants anything; an agency admin invites to (or proposes) only agency roles of
    their own agency, while it is active."""
    roles = roles_of(acting_user)
    if roles.nacc_admin:
        return
    agency = target.get("agency")
    if (role in AGENCY_ROLES and agency is not None and agency.active
            and agency.pk in roles.admin_of):
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
    """NACC gives ``user`` a role at once (idempotent: an identical active grant is
    returned as is); an executive granted so needs no confirmation.

    Only NACC grants without an invitation: anyone else's grant would attach a role to an
    account without its holder's consent, or make an executive nobody outside the agency
    confirmed.
    """
    require_may_grant(acting_user, role, target)
    if not roles_of(acting_user).nacc_admin:
        raise PermissionDenied("grant role")
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
    refuse_if_inactive(acting_user, grant.agency)
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
) -> Invitation:
    """Invite a person to a role by e-mail; the role starts when they accept.

    The same whether or not the address has an account: the inviter learns neither that
    nor the person's name (the mail tells the person to sign in and accept, or to create
    an account). An executive proposed by someone who may not confirm it
    (``duties.may_confirm_executive``) also waits for NACC's (or the provincial office's)
    confirmation. At most ``OPENITA_INVITATIONS_PER_HOUR`` per sender. The link is valid
    for ``OPENITA_INVITATION_DAYS``; ``site_url`` (scheme and host, e.g. the address the
    inviting person is using) begins it; ``OPENITA_SITE_URL`` when empty.
    """
    refuse_if_inactive(acting_user, target.get("agency"))
    require_may_grant(acting_user, role, target)
    kwargs = _target_kwargs(role, target)
    email = email.strip().lower()
    nacc = roles_of(acting_user).nacc_admin
    if email == acting_user.email.lower() and not nacc:
        raise ActionRefused(_("You cannot give a role to yourself."), field="email")
    User.objects.select_for_update().filter(pk=acting_user.pk).first()  # one sender at a time
    require_invitation_quota(acting_user)
    confirmation = Confirmation.NOT_NEEDED
    decided: dict[str, Any] = {}
    if role == Role.AGENCY_EXECUTIVE:
        if may_confirm_executive(acting_user, kwargs["agency"]):
            confirmation = Confirmation.CONFIRMED
            decided = {"decided_by": acting_user, "decided_at": timezone.now()}
        else:
            confirmation = Confirmation.PENDING
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email, full_name=full_name.strip(), role=role, token_hash=_token_hash(token),
        invited_by=acting_user, confirmation=confirmation, **decided,
        expires_at=timezone.now() + dt.timedelta(days=settings.OPENITA_INVITATION_DAYS),
        **kwargs,
    )
    after = {"email": email, "role": role, "target": _target_label(kwargs)}
    if confirmation != Confirmation.NOT_NEEDED:
        after["confirmation"] = confirmation
    audit.record(AuditAction.INVITATION_CREATE, actor=acting_user, obj=invitation, after=after)
    base = (site_url or settings.OPENITA_SITE_URL).rstrip("/")
    link = base + reverse("accounts:accept", args=[token])
    _send(email, "accounts/email/invitation.txt", {
        "invitation": invitation, "link": link,
        "has_account": User.objects.filter(email=email).exists(),
        "pending": confirmation == Confirmation.PENDING})
    return invitation


def _send(to: str, template: str, context: dict) -> None:
    """Mail after commit, so a rolled-back change never sends a message.

    ``robust``: a mail server that is down must not turn a committed change into an error
    page (the person would retry and invite twice); the failure is logged instead.
    """
    transaction.on_commit(templated_message(template, context, [to]).send, robust=True)


def pending_invitation(token: str) -> Invitation | None:
    """The open, unexpired, unrefused invitation for a token, or None."""
    invitation = Invitation.objects.filter(token_hash=_token_hash(token or "")).first()
    if (invitation is None or invitation.accepted_at or invitation.expires_at < timezone.now()
            or invitation.confirmation == Confirmation.REFUSED):
        return None
    return invitation


def has_account(invitation: Invitation) -> bool:
    """Whether the invited address has an account (only the link's holder is told)."""
    return User.objects.filter(email=invitation.email).exists()


def _open_for_acceptance(token: str) -> Invitation:
    """The invitation of ``token``, locked, if it may still be accepted: open, and its
    inviter still holding the right to give the role."""
    invitation = pending_invitation(token)
    if invitation is None:
        raise ActionRefused(_("This invitation link is not valid any more."))
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.confirmation == Confirmation.REFUSED:
        raise ActionRefused(_("This invitation link is not valid any more."))
    target = {f: getattr(invitation, f) for f in TARGET_FIELDS}
    try:  # the inviter must still hold the right to grant this role
        require_may_grant(User.objects.get(pk=invitation.invited_by_id), invitation.role, target)
    except PermissionDenied as error:
        raise ActionRefused(_("This invitation was withdrawn.")) from error
    return invitation


def _grant_from(invitation: Invitation) -> RoleGrant | None:
    """The role an accepted invitation gives, once it is confirmed where it must be; the
    grant names the inviter (``granted_by``), whom the headcount rule looks at."""
    user = invitation.accepted_by
    if user is None or invitation.confirmation not in (Confirmation.NOT_NEEDED,
                                                       Confirmation.CONFIRMED):
        return None
    kwargs = _target_kwargs(invitation.role, {f: getattr(invitation, f) for f in TARGET_FIELDS})
    grant = RoleGrant.objects.filter(user=user, role=invitation.role, revoked_at__isnull=True,
                                     **kwargs).first()
    if grant is None:
        grant = RoleGrant.objects.create(user=user, role=invitation.role,
                                         granted_by=invitation.invited_by, **kwargs)
    forget_roles(user)
    return grant


@transaction.atomic
def _accept(invitation: Invitation, user: User) -> RoleGrant | None:
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    grant = _grant_from(invitation)
    after: dict[str, Any] = {"user": user.email, "grant": grant.pk if grant else None,
                             "role": invitation.role}
    if invitation.confirmation == Confirmation.PENDING:
        after["confirmation"] = Confirmation.PENDING
    audit.record(AuditAction.INVITATION_ACCEPT, actor=user, obj=invitation, after=after)
    return grant


@transaction.atomic
def accept_invitation(token: str, full_name: str, password: str) -> User:
    """Create the invited person's account and accept the invitation, once: the role is
    granted now, or when NACC confirms it where it must (an executive proposed by the
    agency)."""
    invitation = _open_for_acceptance(token)
    if User.objects.filter(email=invitation.email).exists():
        raise ActionRefused(_("An account with this e-mail exists already; sign in instead."))
    user = User(email=invitation.email, full_name=full_name.strip())
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ActionRefused(" ".join(error.messages), field="password1") from error
    user.set_password(password)
    user.save()
    _accept(invitation, user)
    return user


@transaction.atomic
def accept_invitation_as(token: str, *, acting_user: User) -> RoleGrant | None:
    """The signed-in holder of the invited address accepts: the role is granted now (or
    on confirmation, then None). Nobody accepts an invitation sent to another address."""
    invitation = _open_for_acceptance(token)
    if invitation.email != acting_user.email.lower():
        raise ActionRefused(_("This invitation was sent to another e-mail address. Sign out, "
                              "then sign in with the invited address to accept it."))
    return _accept(invitation, acting_user)


@transaction.atomic
def cancel_invitation(invitation: Invitation, *, acting_user: User) -> None:
    """Withdraw an open invitation; its link stops working at once."""
    refuse_if_inactive(acting_user, invitation.agency)
    require_may_grant(acting_user, invitation.role, {"agency": invitation.agency})
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ActionRefused(_("This invitation was already accepted."))
    audit.record(AuditAction.INVITATION_CANCEL, actor=acting_user, obj=invitation,
                 before={"email": invitation.email, "role": invitation.role})
    invitation.delete()


def _locked_proposal(invitation: Invitation, acting_user: User) -> Invitation:
    """The executive proposal, locked, if ``acting_user`` may decide it now."""
    # Only the invitation's row is locked: its agency is a nullable join, which PostgreSQL
    # cannot lock.
    invitation = Invitation.objects.select_for_update(of=("self",)).select_related(
        "agency").get(pk=invitation.pk)
    if invitation.role != Role.AGENCY_EXECUTIVE or not may_confirm_executive(
            acting_user, invitation.agency):
        raise PermissionDenied("confirm executive")
    if invitation.confirmation != Confirmation.PENDING:
        raise ActionRefused(_("This proposal was already decided."))
    if acting_user.pk in (invitation.invited_by_id, invitation.accepted_by_id) or (
            acting_user.email.lower() == invitation.email):
        raise ActionRefused(_("You cannot decide a proposal you made or that names you."))
    return invitation


@transaction.atomic
def confirm_executive(invitation: Invitation, reason: str = "", *,
                      acting_user: User) -> RoleGrant | None:
    """Confirm an executive proposed by the agency: if the person has accepted, the role
    starts now and they are told; otherwise it starts when they accept."""
    invitation = _locked_proposal(invitation, acting_user)
    invitation.confirmation = Confirmation.CONFIRMED
    invitation.decided_by = acting_user
    invitation.decided_at = timezone.now()
    invitation.decision_reason = (reason or "").strip()
    invitation.save(update_fields=["confirmation", "decided_by", "decided_at",
                                   "decision_reason"])
    grant = _grant_from(invitation)
    audit.record(AuditAction.EXECUTIVE_CONFIRM, actor=acting_user, obj=invitation,
                 before={"confirmation": Confirmation.PENDING},
                 after={"confirmation": Confirmation.CONFIRMED, "email": invitation.email,
                        "target": f"agency:{invitation.agency_id}",
                        "grant": grant.pk if grant else None},
                 reason=invitation.decision_reason)
    if grant is not None:
        _send(invitation.email, "accounts/email/role_granted.txt", {"grant": grant})
    return grant


@transaction.atomic
def refuse_executive(invitation: Invitation, reason: str, *, acting_user: User) -> Invitation:
    """Refuse an executive proposed by the agency, with the reason: its link stops working,
    no role is granted, and the proposer is told why."""
    if not (reason or "").strip():
        raise ActionRefused(_("Give the reason."), field="reason")
    invitation = _locked_proposal(invitation, acting_user)
    invitation.confirmation = Confirmation.REFUSED
    invitation.decided_by = acting_user
    invitation.decided_at = timezone.now()
    invitation.decision_reason = reason.strip()
    invitation.save(update_fields=["confirmation", "decided_by", "decided_at",
                                   "decision_reason"])
    audit.record(AuditAction.EXECUTIVE_REFUSE, actor=acting_user, obj=invitation,
                 before={"confirmation": Confirmation.PENDING},
                 after={"confirmation": Confirmation.REFUSED, "email": invitation.email,
                        "target": f"agency:{invitation.agency_id}"},
                 reason=invitation.decision_reason)
    _send(invitation.invited_by.email, "accounts/email/executive_refused.txt",
          {"invitation": invitation})
    return invitation


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


@transaction.atomic
def set_team_lead(grant: RoleGrant, lead: bool, *, acting_user: User) -> RoleGrant:
    """Name a member of a consultant team its lead, or stand them down (NACC). A team may
    have several leads; each one confirms the team's OIT results and settles second-review
    disagreements."""
    require(acting_user, "accounts.manage_teams")
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.role != Role.CONSULTANT or grant.revoked_at is not None:
        raise ActionRefused(_("Only a current member of the team can lead it."))
    if grant.team_lead == lead:
        return grant
    grant.team_lead = lead
    grant.save(update_fields=["team_lead"])
    forget_roles(grant.user)
    audit.record(AuditAction.TEAM_LEAD, actor=acting_user, obj=grant.team,
                 before={"lead": not lead}, after={"lead": lead, "person": grant.user.email})
    return grant


def active_grants(user: User):
    return user.grants.filter(revoked_at__isnull=True).select_related(
        "agency", "team", "province", "parent"
    )
