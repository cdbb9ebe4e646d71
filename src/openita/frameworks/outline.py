"""A readable outline of a framework, for ``openita framework show`` and the web page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from openita.core.vocabulary import AgencyKind

from .schema import CONFIRMED, Framework
from .scoring_text import percent


def lines(framework: Framework, language: str = "en") -> list[str]:
    th = language.startswith("th")

    def pick(obj, field: str) -> str:
        return getattr(obj, f"{field}_th" if th else f"{field}_en")

    def mark(evidence: str) -> str:
        return "" if evidence in CONFIRMED else f"  [{evidence}: not confirmed]"

    out = [f"{framework.id} — {pick(framework, 'title')} (FY {framework.fiscal_year})"]
    if framework.unconfirmed:
        out.append("Parts of this framework are not confirmed by an official source.")
    for instrument in framework.instruments:
        out.append(f"\n{instrument.code} {pick(instrument, 'name')} — weight "
                   f"{percent(instrument.weight)}{mark(instrument.evidence)}")
        for indicator in framework.indicators_of(instrument.code):
            out.append(f"  {indicator.number}. {pick(indicator, 'name')}{mark(indicator.evidence)}")
            for question in (q for q in framework.questions if q.indicator == indicator.number):
                parts = ", ".join(s.code for s in question.subitems)
                out.append(f"     {question.code} [{question.scale}{question.polarity}]"
                           f"{' (' + parts + ')' if parts else ''} {pick(question, 'text')}"
                           f"{mark(question.evidence)}")
            for sub in (s for s in framework.subindicators if s.indicator == indicator.number):
                out.append(f"     {sub.code} {pick(sub, 'name')}{mark(sub.evidence)}")
                for item in (o for o in framework.oit_items if o.subindicator == sub.code):
                    out.append(f"        {item.code} {pick(item, 'title')} "
                               f"({item.time_rule}, {len(item.criteria)} criteria)"
                               f"{mark(item.evidence)}")
    out.append("\nRating:")
    for rule in framework.rating:
        floors = ", ".join(f"{k} ≥ {percent(v, plain=True)}" for k, v in rule.floors.items())
        out.append(f"  {pick(rule, 'label')}: total ≥ {percent(rule.min_total, plain=True)}"
                   f"{'; ' + floors if floors else ''}{mark(rule.evidence)}")
    policy = framework.samples.iit
    out.append(f"\nIIT minimum sample: {percent(policy.fraction * 100, plain=True)}% of the "
               f"headcount, at least {policy.minimum}, everyone below {policy.everyone_below}"
               f"{', at most ' + str(policy.maximum) if policy.maximum else ''}"
               f"{mark(policy.evidence)}")
    return out


TIME_RULES = {
    "current_state": _("as it stands at assessment time"),
    "current_fy": _("in the fiscal year assessed"),
    "first_half_current_fy": _("covering at least the first 6 months of the fiscal year"),
    "previous_fy": _("for the previous fiscal year"),
}


def tree(framework: Framework) -> list[dict]:
    """Instruments → indicators → questions or sub-indicators → items, for templates."""
    sections = []
    for instrument in framework.instruments:
        indicators = []
        for indicator in framework.indicators_of(instrument.code):
            subs = [
                {"sub": sub, "items": [
                    {"item": item, "time": TIME_RULES[item.time_rule],
                     "notes": [{"kinds": _kind_labels(n.kinds), "note": n}
                               for n in item.agency_notes]}
                    for item in framework.oit_items if item.subindicator == sub.code]}
                for sub in framework.subindicators if sub.indicator == indicator.number
            ]
            indicators.append({
                "indicator": indicator,
                "questions": [q for q in framework.questions
                              if q.indicator == indicator.number],
                "subs": subs,
            })
        sections.append({"instrument": instrument, "weight": percent(instrument.weight),
                         "indicators": indicators})
    return sections


def _kind_labels(kinds: list[str]) -> str:
    return ", ".join(str(AgencyKind(k).label) if k in AgencyKind.values else k for k in kinds)
