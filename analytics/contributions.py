"""What the assessment adds to the core's registries of contributions: the configuration
model on a country's profile, by the rule of section 6."""

from collections import Counter

from analytics.selectors import CONFIGURATION_MODELS, configuration_model
from nmg_registry import selectors


def register() -> None:
    """Called once, from the app's ready()."""
    selectors.add_to_country_profile("configuration_model", _model)
    selectors.add_to_country_profile("configuration_model_label", _model_label)


def _model(country, groups) -> str:
    """A key of CONFIGURATION_MODELS, or "" for a country without mirror groups."""
    return configuration_model(Counter(group.kind for group in groups)) if groups else ""


def _model_label(country, groups) -> str:
    return CONFIGURATION_MODELS.get(_model(country, groups), "")
