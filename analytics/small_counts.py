"""The composition summary as one reader may read it: each country's experts by gender go
through the small-count rule (`nmg_registry.disclosure`), exact for staff and for the
country's own representatives (`permissions.expert_countries_readable_by`). Every door that
shows the breakdown (page, downloads, JSON, CSV, report) calls this on the selector's exact
summary, so they all hide the same counts."""

from dataclasses import replace

from analytics.selectors import GENDERS, CompositionSummary
from nmg_registry import disclosure, permissions


def composition_as_read(summary: CompositionSummary, user) -> CompositionSummary:
    """`summary` with the gender counts `user` may not see set to None (and why); one query
    for a signed-in reader who is not a superuser, none with the rule off."""
    if disclosure.min_cell() <= 0:
        return summary
    breakdown = disclosure.protect(
        {c.country: c.gender for c in summary.countries},
        GENDERS,
        readable=permissions.expert_countries_readable_by(user),
    )
    return replace(
        summary,
        countries=[
            replace(c, gender=breakdown.rows[c.country], gender_hidden=breakdown.reasons(c.country))
            for c in summary.countries
        ],
        gender_totals=breakdown.totals,
        gender_totals_hidden=breakdown.hidden_totals,
    )
