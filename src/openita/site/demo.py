"""A deterministic demo country: provinces, agencies of every type, people for every role.

The agency mix follows the national proportions (research §8.2, §10: about 5,300 SAOs split
L/M/S as in NACC's FY2568 table, about 2,200 sub-district municipalities, 76 provinces and
PAOs, departments, state enterprises, universities …), scaled to the requested number with
at least one of each type. The same seed always gives the same country; only the calendar
of the demo year follows today's date so that the registration phase is open.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from openita.accounts.models import ConsultantTeam, Role, RoleGrant, User
from openita.agencies.models import Agency, AgencyContact, AgencyGroup, AgencyKind, Province
from openita.agencies.registry_io import rebuild_lineages
from openita.calendars.models import (
    PHASE_ORDER,
    AssessmentYear,
    Enrolment,
    EnrolmentState,
    Phase,
    PhaseWindow,
    YearStatus,
)
from openita.core import audit, thaidates
from openita.frameworks import loader
from openita.frameworks import services as frameworks
from openita.surveys.models import SurveyLink
from openita.surveys.services import link_for

from . import demo_names as names
from . import demo_oit, demo_results
from .models import AuditAction

DEMO_PASSWORD = "openita-demo"
DEMO_ACTOR = audit.SystemActor("openita demo-data")
DEMO_DOMAIN = "openita.demo"
# The authenticator key of the demo's NACC admin, consultant and executive, who must sign
# in with two factors like anyone in those roles. It is public (printed, and in this file),
# so it protects nothing: `openita demo-code` prints its current code for whoever has no
# authenticator app at hand. Only the demo personas get it; real accounts set up their own.
DEMO_TOTP_KEY = "6f70656e6974612d64656d6f2d746f74702d6b6579"
TWO_FACTOR_PERSONAS = ("nacc", "consultant", "lead", "executive")

# National mix for 8,400 agencies. [C] counts where research gives them (SAO L/M/S,
# sub-district municipality M/S, PAOs, provinces, universities); the rest are estimates [I].
NATIONAL_MIX: dict[str, int] = {
    AgencyKind.SAO: 5300,
    AgencyKind.SUBDISTRICT_MUNICIPALITY: 2247,
    AgencyKind.TOWN_MUNICIPALITY: 195,
    AgencyKind.CITY_MUNICIPALITY: 30,
    AgencyKind.PAO: 76,
    AgencyKind.PROVINCE: 76,
    AgencyKind.BANGKOK: 1,
    AgencyKind.PATTAYA: 1,
    AgencyKind.MINISTRY: 20,
    AgencyKind.DEPARTMENT: 150,
    AgencyKind.STATE_ENTERPRISE: 52,
    AgencyKind.PUBLIC_ORGANISATION: 55,
    AgencyKind.INDEPENDENT_ORGAN: 15,
    AgencyKind.UNIVERSITY: 84,
    AgencyKind.OTHER_STATE_AGENCY: 98,
}
SIZE_MIX = {
    AgencyKind.SAO: {"L": 2600, "M": 2327, "S": 373},
    AgencyKind.SUBDISTRICT_MUNICIPALITY: {"L": 1185, "M": 875, "S": 187},
}
CAPS = {AgencyKind.PAO: 76, AgencyKind.PROVINCE: 76, AgencyKind.BANGKOK: 1,
        AgencyKind.PATTAYA: 1, AgencyKind.MINISTRY: len(names.MINISTRIES)}
CODE_PREFIX: dict[str, str] = {
    AgencyKind.SAO: "SAO", AgencyKind.SUBDISTRICT_MUNICIPALITY: "SDM",
    AgencyKind.TOWN_MUNICIPALITY: "TWM", AgencyKind.CITY_MUNICIPALITY: "CTM",
    AgencyKind.PAO: "PAO", AgencyKind.PROVINCE: "PRV", AgencyKind.BANGKOK: "BMA",
    AgencyKind.PATTAYA: "PTY", AgencyKind.MINISTRY: "MIN", AgencyKind.DEPARTMENT: "DEP",
    AgencyKind.STATE_ENTERPRISE: "SOE", AgencyKind.PUBLIC_ORGANISATION: "PUB",
    AgencyKind.INDEPENDENT_ORGAN: "IND", AgencyKind.UNIVERSITY: "UNI",
    AgencyKind.OTHER_STATE_AGENCY: "OTH",
}
LOCAL_NAMES = {
    AgencyKind.SAO: ("องค์การบริหารส่วนตำบล", "{} Subdistrict Administrative Organization"),
    AgencyKind.SUBDISTRICT_MUNICIPALITY: ("เทศบาลตำบล", "{} Subdistrict Municipality"),
    AgencyKind.TOWN_MUNICIPALITY: ("เทศบาลเมือง", "{} Town Municipality"),
    AgencyKind.CITY_MUNICIPALITY: ("เทศบาลนคร", "{} City Municipality"),
}
GROUPS = [
    ("G01", "ส่วนราชการส่วนกลาง", "Central government", None),
    ("G02", "รัฐวิสาหกิจและองค์การมหาชน", "State enterprises and public organisations", None),
    ("G03", "องค์กรอิสระและสถาบันอุดมศึกษา", "Independent organs and universities", None),
    ("G04", "จังหวัด อบจ. เทศบาลนคร/เมือง กทม. และเมืองพัทยา",
     "Provinces, PAOs, city and town municipalities, Bangkok and Pattaya", None),
    ("G05", "เทศบาลตำบล", "Sub-district municipalities", None),
    ("G06", "อบต. ภาคเหนือ", "SAOs of the North", ("north",)),
    ("G07", "อบต. ภาคตะวันออกเฉียงเหนือ", "SAOs of the Northeast", ("northeast",)),
    ("G08", "อบต. ภาคกลาง ภาคตะวันออก และภาคตะวันตก",
     "SAOs of the Central, East and West", ("central", "east", "west")),
    ("G09", "อบต. ภาคใต้", "SAOs of the South", ("south",)),
]
GROUP_OF_KIND: dict[str, str] = {
    AgencyKind.MINISTRY: "G01", AgencyKind.DEPARTMENT: "G01",
    AgencyKind.OTHER_STATE_AGENCY: "G01", AgencyKind.STATE_ENTERPRISE: "G02",
    AgencyKind.PUBLIC_ORGANISATION: "G02", AgencyKind.INDEPENDENT_ORGAN: "G03",
    AgencyKind.UNIVERSITY: "G03", AgencyKind.PROVINCE: "G04", AgencyKind.PAO: "G04",
    AgencyKind.CITY_MUNICIPALITY: "G04", AgencyKind.TOWN_MUNICIPALITY: "G04",
    AgencyKind.BANGKOK: "G04", AgencyKind.PATTAYA: "G04",
    AgencyKind.SUBDISTRICT_MUNICIPALITY: "G05",
}
TEAMS = [("ทีม 1", ["G01", "G02"]), ("ทีม 2", ["G03", "G04"]), ("ทีม 3", ["G05"]),
         ("ทีม 4", ["G06", "G07"]), ("ทีม 5", ["G08", "G09"])]


@dataclass
class DemoResult:
    agencies: int
    users: int
    year: int
    personas: dict[str, str] = field(default_factory=dict)
    demo_agency: str = ""
    survey_agency: str = ""
    oit: list[str] = field(default_factory=list)
    results: list[str] = field(default_factory=list)


def allocate(total: int) -> dict[str, int]:
    """Split ``total`` over the kinds in national proportion, at least one of each."""
    kinds = list(NATIONAL_MIX)
    if total < len(kinds):
        raise ValueError(f"the demo country needs at least {len(kinds)} agencies")
    weight = sum(NATIONAL_MIX.values())
    shares = {k: total * NATIONAL_MIX[k] / weight for k in kinds}
    counts = {k: int(shares[k]) for k in kinds}
    left = total - sum(counts.values())
    for k in sorted(kinds, key=lambda k: shares[k] - int(shares[k]), reverse=True)[:left]:
        counts[k] += 1
    for k in kinds:  # every type at least once, taken from the largest
        if counts[k] == 0:
            counts[k] = 1
            counts[max(counts, key=lambda k: counts[k])] -= 1
    overflow = 0
    for k, cap in CAPS.items():
        if counts[k] > cap:
            overflow += counts[k] - cap
            counts[k] = cap
    counts[AgencyKind.SAO] += overflow
    return counts


def _split(count: int, mix: dict[str, int]) -> list[str]:
    weight = sum(mix.values())
    labels: list[str] = []
    for label, share in mix.items():
        labels += [label] * round(count * share / weight)
    while len(labels) < count:
        labels.append(max(mix, key=lambda k: mix[k]))
    return labels[:count]


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.serial: dict[str, int] = {}
        self.used_names: set[str] = set()

    def code(self, kind: str) -> str:
        self.serial[kind] = self.serial.get(kind, 0) + 1
        return f"{CODE_PREFIX[kind]}-{self.serial[kind]:05d}"

    def place(self, province: Province, kind: str) -> tuple[str, str]:
        """A place name not yet used for this kind in this province."""
        for attempt in range(200):
            head_th, head_en = self.rng.choice(names.PLACE_HEADS)
            tail_th, tail_en = self.rng.choice(names.PLACE_TAILS)
            thai, english = head_th + tail_th, f"{head_en} {tail_en}"
            if attempt > 100:
                extra_th, extra_en = self.rng.choice(names.PLACE_TAILS)
                thai, english = thai + extra_th, f"{english} {extra_en}"
            key = f"{province.code}:{kind}:{thai}"
            if key not in self.used_names:
                self.used_names.add(key)
                return thai, english
        raise RuntimeError("ran out of place names")

    def person(self) -> tuple[str, str]:
        given_th, given_en = self.rng.choice(names.GIVEN_NAMES)
        family_th, family_en = self.rng.choice(names.FAMILY_NAMES)
        return f"{given_th} {family_th}", f"{given_en} {family_en}"


def _base_data() -> tuple[list[Province], dict[str, AgencyGroup]]:
    existing = {p.code for p in Province.objects.all()}
    Province.objects.bulk_create(
        Province(code=c, name_th=th, name_en=en, region=r)
        for c, th, en, r in names.PROVINCES if c not in existing
    )
    for code, th, en, _regions in GROUPS:
        AgencyGroup.objects.get_or_create(code=code, defaults={"name_th": th, "name_en": en})
    return list(Province.objects.order_by("code")), {
        g.code: g for g in AgencyGroup.objects.all()}


def _national_bodies(gen: _Generator, counts: dict[str, int], groups) -> list[Agency]:
    """Ministries first (MOI always), then their departments and other central bodies."""
    ministries = sorted(names.MINISTRIES, key=lambda m: m[0] != "MOI")
    rows: list[Agency] = []
    for short, thai, english in ministries[: counts[AgencyKind.MINISTRY]]:
        rows.append(Agency(code=f"MIN-{short}", kind=AgencyKind.MINISTRY,
                           name_th=f"สำนักงานปลัด{thai}",
                           name_en=f"Office of the Permanent Secretary, {english}"))
    rows.append(Agency(code="DEP-DLA", kind=AgencyKind.DEPARTMENT,
                       name_th="กรมส่งเสริมการปกครองท้องถิ่น",
                       name_en="Department of Local Administration"))
    pools = {
        AgencyKind.DEPARTMENT: [(f"กรม{t}", f"Department of {e}")
                                for t, e in names.DEPARTMENT_TOPICS],
        AgencyKind.STATE_ENTERPRISE: list(names.STATE_ENTERPRISE_TOPICS),
        AgencyKind.PUBLIC_ORGANISATION: list(names.PUBLIC_ORGANISATION_TOPICS),
        AgencyKind.INDEPENDENT_ORGAN: list(names.INDEPENDENT_ORGAN_NAMES),
        AgencyKind.UNIVERSITY: list(names.UNIVERSITY_NAMES),
        AgencyKind.OTHER_STATE_AGENCY: [(f"สำนักงาน{t}", f"Office of {e}")
                                        for t, e in names.DEPARTMENT_TOPICS],
    }
    for kind, pool in pools.items():
        wanted = counts[kind] - (1 if kind == AgencyKind.DEPARTMENT else 0)
        order = gen.rng.sample(range(len(pool)), len(pool))
        for n in range(max(wanted, 0)):
            thai, english = pool[order[n % len(pool)]]
            suffix = "" if n < len(pool) else f" {n // len(pool) + 1}"
            rows.append(Agency(code=gen.code(kind), kind=kind, name_th=thai + suffix,
                               name_en=english + suffix))
    for agency in rows:
        agency.group = groups[GROUP_OF_KIND[agency.kind]]
    return rows


def _local_bodies(gen: _Generator, counts, provinces, groups) -> list[Agency]:
    rows: list[Agency] = []
    bangkok = next(p for p in provinces if p.code == "TH-10")
    others = [p for p in provinces if p.code != "TH-10"]
    regional = gen.rng.sample(others, len(others))
    for kind in (AgencyKind.PROVINCE, AgencyKind.PAO):
        for province in sorted(regional[: counts[kind]], key=lambda p: p.code):
            if kind == AgencyKind.PROVINCE:
                thai, english = f"จังหวัด{province.name_th}", f"{province.name_en} Province"
            else:
                thai = f"องค์การบริหารส่วนจังหวัด{province.name_th}"
                english = f"{province.name_en} Provincial Administrative Organization"
            rows.append(Agency(code=gen.code(kind), kind=kind, name_th=thai, name_en=english,
                               province=province, group=groups["G04"]))
    rows.append(Agency(code="BMA-00001", kind=AgencyKind.BANGKOK, name_th="กรุงเทพมหานคร",
                       name_en="Bangkok Metropolitan Administration", province=bangkok,
                       group=groups["G04"]))
    chon_buri = next(p for p in provinces if p.code == "TH-20")
    rows.append(Agency(code="PTY-00001", kind=AgencyKind.PATTAYA, name_th="เมืองพัทยา",
                       name_en="Pattaya City", province=chon_buri, group=groups["G04"]))
    sao_groups = {region: code for code, _t, _e, regions in GROUPS if regions
                  for region in regions}
    for kind, (prefix_th, pattern_en) in LOCAL_NAMES.items():
        sizes = _split(counts[kind], SIZE_MIX[kind]) if kind in SIZE_MIX else []
        gen.rng.shuffle(sizes)
        for n in range(counts[kind]):
            province = gen.rng.choice(others)
            thai, english = gen.place(province, kind)
            group = sao_groups[province.region] if kind == AgencyKind.SAO else GROUP_OF_KIND[kind]
            rows.append(Agency(code=gen.code(kind), kind=kind, name_th=prefix_th + thai,
                               name_en=pattern_en.format(english), province=province,
                               size_class=sizes[n] if sizes else "", group=groups[group]))
    return rows


def _link_parents(agencies: list[Agency]) -> None:
    by_code = {a.code: a for a in agencies}
    ministries = [a for a in agencies if a.kind == AgencyKind.MINISTRY]
    moi, dla = by_code["MIN-MOI"], by_code["DEP-DLA"]
    higher_ed = by_code.get("MIN-MHESI", ministries[-1])
    for index, agency in enumerate(agencies):
        if agency.kind in (AgencyKind.SAO, AgencyKind.SUBDISTRICT_MUNICIPALITY,
                           AgencyKind.TOWN_MUNICIPALITY, AgencyKind.CITY_MUNICIPALITY,
                           AgencyKind.PAO, AgencyKind.PATTAYA):
            agency.parent = dla
        elif agency.kind in (AgencyKind.PROVINCE, AgencyKind.BANGKOK) or agency is dla:
            agency.parent = moi
        elif agency.kind == AgencyKind.UNIVERSITY:
            agency.parent = higher_ed
        elif agency.kind in (AgencyKind.DEPARTMENT, AgencyKind.STATE_ENTERPRISE,
                             AgencyKind.PUBLIC_ORGANISATION, AgencyKind.OTHER_STATE_AGENCY):
            agency.parent = ministries[index % len(ministries)]


def _demo_year(today: dt.date) -> tuple[AssessmentYear, AssessmentYear]:
    """The running fiscal year, open, with registration open today; last year closed."""
    fiscal = thaidates.fiscal_year_of(today)
    # The newest shipped framework scores the demo years (frozen: the years have opened).
    for code in loader.shipped():
        version = frameworks.load_shipped(code, acting_user=DEMO_ACTOR)
    frameworks.freeze(version, acting_user=DEMO_ACTOR)
    last, _ = AssessmentYear.objects.get_or_create(
        fiscal_year=fiscal - 1, defaults={"title": f"ITA {fiscal - 1}",
                                          "status": YearStatus.CLOSED, "framework": version})
    # Access codes stay off in the demo so the printed survey links work at once; the
    # year page switches them on.
    year, created = AssessmentYear.objects.get_or_create(
        fiscal_year=fiscal, defaults={"title": f"ITA {fiscal}", "status": YearStatus.OPEN,
                                      "framework": version, "iit_requires_access_code": False})
    if created:
        start = today - dt.timedelta(days=14)
        offsets = {  # (first day, last day) after the registration opened
            # Collection overlaps registration in the demo, so every flow can be tried now.
            # So do the OIT's windows: every step of the OIT is open now, on some agency
            # (the preliminary release began a week ago), see demo_oit.
            Phase.REGISTRATION: (0, 74), Phase.OIT_ENTRY: (7, 120),
            Phase.IIT_COLLECTION: (7, 150), Phase.EIT_COLLECTION: (7, 150),
            Phase.OIT_REVIEW: (7, 151), Phase.PRELIMINARY_RELEASE: (7, 7),
            Phase.CLARIFICATION: (7, 166), Phase.CONFIRMATION: (7, 181),
            Phase.PUBLICATION: (210, 240),
        }
        PhaseWindow.objects.bulk_create(
            PhaseWindow(year=year, phase=p, opens_on=start + dt.timedelta(days=a),
                        closes_on=start + dt.timedelta(days=b))
            for p, (a, b) in offsets.items())
    if not last.windows.exists():
        end = thaidates.to_gregorian_year(fiscal - 1)
        PhaseWindow.objects.bulk_create(
            PhaseWindow(year=last, phase=p, opens_on=dt.date(end, 1 + i, 1),
                        closes_on=dt.date(end, 1 + i, 28)) for i, p in enumerate(PHASE_ORDER))
    return year, last


def _people(gen: _Generator, agencies: list[Agency], teams, demo: Agency, moi: Agency):
    """Per agency an admin and an executive, plus the named demo personas."""
    password = make_password(DEMO_PASSWORD)  # hashed once; argon2 per user would take minutes
    users: list[User] = []
    grants: list[tuple[int, str, dict]] = []
    for agency in agencies:
        for role, prefix in ((Role.AGENCY_ADMIN, "admin"), (Role.AGENCY_EXECUTIVE, "exec")):
            thai, _english = gen.person()
            title = names.POSITIONS[role][0]
            users.append(User(email=f"{prefix}.{agency.code.lower()}@{DEMO_DOMAIN}",
                              full_name=thai, position=title, password=password))
            grants.append((len(users) - 1, role, {"agency": agency}))
    if demo.group is None:
        raise ValueError(f"the demo agency {demo.code} has no assessment group")
    personas = [  # in the order of PERSONAS
        ("nacc", Role.NACC_ADMIN, {}),
        ("consultant", Role.CONSULTANT, {"team": teams[demo.group.code]}),
        ("lead", Role.CONSULTANT, {"team": teams[demo.group.code], "team_lead": True}),
        ("oversight.province", Role.OVERSIGHT, {"province": demo.province}),
        ("oversight.ministry", Role.OVERSIGHT, {"parent": moi}),
        ("admin", Role.AGENCY_ADMIN, {"agency": demo}),
        ("executive", Role.AGENCY_EXECUTIVE, {"agency": demo}),
    ]
    emails = {}
    for login, role, target in personas:
        thai, _english = gen.person()
        position = names.POSITIONS[role if role in names.POSITIONS else "oversight"][0]
        users.append(User(email=f"{login}@{DEMO_DOMAIN}", full_name=thai, position=position,
                          password=password))
        grants.append((len(users) - 1, role, target))
        emails[login] = users[-1].email
    User.objects.bulk_create(users, batch_size=2000)
    RoleGrant.objects.bulk_create(
        (RoleGrant(user=users[i], role=role, **target) for i, role, target in grants),
        batch_size=2000)
    by_email = {u.email: u for u in users}
    TOTPDevice.objects.bulk_create(
        TOTPDevice(user=by_email[emails[login]], name="openita demo", key=DEMO_TOTP_KEY,
                   confirmed=True) for login in TWO_FACTOR_PERSONAS)
    return len(users), emails


def _contacts_and_enrolments(gen, agencies, year, last, demo) -> None:
    contacts, enrolments = [], []
    now = timezone.now()
    for agency in agencies:
        thai, _english = gen.person()
        contacts.append(AgencyContact(
            agency=agency, name=thai, position=names.POSITIONS["agency_admin"][0],
            phone=f"0{gen.rng.randint(20, 99)}{gen.rng.randint(1000000, 9999999)}",
            email=f"contact.{agency.code.lower()}@{DEMO_DOMAIN}", is_primary=True))
        enrolments.append(Enrolment(agency=agency, year=last,
                                    state=EnrolmentState.HEADCOUNT_APPROVED,
                                    headcount=gen.rng.randint(12, 600),
                                    headcount_approved_at=now))
        if agency is demo:
            continue
        state = gen.rng.choices(list(EnrolmentState), weights=[35, 25, 15, 25])[0]
        if state != EnrolmentState.NOT_REGISTERED:
            enrolments.append(Enrolment(
                agency=agency, year=year, state=state, registered_at=now,
                headcount=None if state == EnrolmentState.REGISTERED
                else gen.rng.randint(12, 600),
                headcount_approved_at=now if state == EnrolmentState.HEADCOUNT_APPROVED
                else None))
    AgencyContact.objects.bulk_create(contacts, batch_size=2000)
    Enrolment.objects.bulk_create(enrolments, batch_size=2000)


PERSONAS = ("nacc", "consultant", "lead", "oversight.province", "oversight.ministry",
            "admin", "executive")


def demo_totp_secret() -> str:
    """The demo key as an authenticator app takes it (base32)."""
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode().rstrip("=")


def demo_totp_code() -> str:
    """The demo personas' current two-factor code."""
    return f"{TOTP(bytes.fromhex(DEMO_TOTP_KEY)).token():06d}"


def survey_demo_label() -> str:
    """The agency whose surveys the demo opens, with its IIT link (EIT: /go/eit/…)."""
    link = SurveyLink.objects.select_related("enrolment__agency").order_by("pk").first()
    if link is None:
        return ""
    return _survey_label(link.enrolment.agency, link.code)


def existing_personas() -> tuple[dict[str, str], str]:
    """The demo sign-ins present in the database, and the demo agency's label."""
    emails = {f"{login}@{DEMO_DOMAIN}": login for login in PERSONAS}
    found = {emails[e]: e for e in User.objects.filter(email__in=emails).values_list(
        "email", flat=True)}
    grant = RoleGrant.objects.filter(user__email=f"admin@{DEMO_DOMAIN}").select_related(
        "agency").first()
    label = f"{grant.agency.code} {grant.agency.name_th}" if grant and grant.agency else ""
    return found, label


@transaction.atomic
def generate(agency_count: int, seed: int, today: dt.date | None = None) -> DemoResult:
    """Build the demo country in an empty registry (raises ValueError otherwise)."""
    if Agency.objects.exists():
        raise ValueError("the registry already holds agencies; use --flush to start over")
    gen = _Generator(seed)
    counts = allocate(agency_count)
    provinces, groups = _base_data()
    agencies = _national_bodies(gen, counts, groups) + _local_bodies(
        gen, counts, provinces, groups)
    for agency in agencies:
        # Under .invalid, a name that never resolves: the demo fetches nothing from outside.
        agency.website = f"https://{agency.code.lower()}.demo.invalid"
    Agency.objects.bulk_create(agencies, batch_size=2000)
    _link_parents(agencies)
    Agency.objects.bulk_update(agencies, ["parent"], batch_size=2000)
    rebuild_lineages()
    teams = {}
    for index, (label, group_codes) in enumerate(TEAMS):
        uni_th, uni_en = names.UNIVERSITY_NAMES[index]
        team = ConsultantTeam.objects.create(
            name_th=f"คณะที่ปรึกษาการประเมิน {label} ({uni_th})",
            name_en=f"Assessment consultants, team {index + 1} ({uni_en})", institution=uni_th)
        team.groups.set([groups[c] for c in group_codes])
        teams.update({c: team for c in group_codes})
    saos = [a for a in agencies if a.kind == AgencyKind.SAO]
    demo = saos[0]
    year, last = _demo_year(today or timezone.localdate())
    by_code = {a.code: a for a in agencies}
    user_count, personas = _people(gen, agencies, teams, demo, by_code["MIN-MOI"])
    _contacts_and_enrolments(gen, agencies, year, last, demo)
    survey_agency = _survey_demo(saos[1], year)
    by_email = {u.email: u for u in User.objects.filter(email__in=personas.values())}
    oit = demo_oit.build(year, demo, demo_oit.Cast(consultant=by_email[personas["consultant"]],
                                                   lead=by_email[personas["lead"]]))
    results = demo_results.build(year, last, by_email[personas["nacc"]], seed)
    audit.record(AuditAction.DEMO_GENERATE, actor=DEMO_ACTOR, object_type="demo",
                 after={"agencies": len(agencies), "seed": seed, "users": user_count})
    return DemoResult(agencies=len(agencies), users=user_count, year=year.fiscal_year,
                      personas=personas, demo_agency=f"{demo.code} {demo.name_th}",
                      survey_agency=survey_agency, oit=oit, results=results.lines())


def _survey_demo(agency: Agency, year: AssessmentYear) -> str:
    """An agency whose surveys are open now, with its links (printed by the demo)."""
    enrolment, _ = Enrolment.objects.update_or_create(
        agency=agency, year=year, defaults={"state": EnrolmentState.HEADCOUNT_APPROVED,
                                            "headcount": 85,
                                            "headcount_approved_at": timezone.now()})
    return _survey_label(agency, link_for(enrolment).code)


def _survey_label(agency: Agency, code: str) -> str:
    return (f"{agency.code} {agency.name_th}: /go/iit/{code}/ "
            f"(its admin: admin.{agency.code.lower()}@{DEMO_DOMAIN})")
