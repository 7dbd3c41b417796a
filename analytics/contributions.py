"""What the assessment adds to the core's registries of contributions: the configuration
model on a country's profile, by the rule of section 6, or why it has none; the
country's trajectory round by round; and the deliverable's recommendations that the latest
closed round calls for, or why there are none."""

from collections import Counter

from analytics.recommendations import country_recommendations
from analytics.selectors import (
    CONFIGURATION_MODELS,
    configuration_model,
    configuration_model_reason,
)
from analytics.trajectory import country_trajectory
from nmg_registry import selectors


def register() -> None:
    """Called once, from the app's ready()."""
    selectors.add_to_country_profile("configuration_model", _model)
    selectors.add_to_country_profile("configuration_model_label", _model_label)
    selectors.add_to_country_profile("configuration_model_reason", _model_reason)
    selectors.add_section_to_country_profile("analytics/country_trajectory.html", _trajectory)
    selectors.add_section_to_country_profile(
        "analytics/country_recommendations.html", _recommendations
    )


def _kinds(groups) -> Counter:
    return Counter(group.kind for group in groups)


def _model(country, groups) -> str:
    """A key of CONFIGURATION_MODELS, or "" for a country without mirror groups."""
    return configuration_model(_kinds(groups)) if groups else ""


def _model_label(country, groups) -> str:
    return CONFIGURATION_MODELS.get(_model(country, groups), "")


def _model_reason(country, groups) -> str:
    return configuration_model_reason(_kinds(groups))


def _trajectory(country, user):
    return country_trajectory(country=country, user=user)


def _recommendations(country, user):
    # Submitted answers and composition counts: the aggregates every profile reader may read.
    return country_recommendations(country=country)
