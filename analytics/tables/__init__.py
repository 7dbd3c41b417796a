"""The assessment's results as tables: what a page shows and what its CSV/XLSX downloads hold.

`table` holds the model (a caption, columns and rows of cells) and its CSV/XLSX output;
`cells` the cells and words the sections share; one module per section of the deliverable
builds that section's tables from the selectors' dataclasses: `rounds` (5.1),
`compositions` (5.2), `configurations` (6), `targets` (7), `recommendations` (7's
conclusions, country by country), `comparison` (two rounds) and `countries` (one
country in a round's report).
Nothing here queries the database. The views use the builders through this package.
"""

from analytics.tables.comparison import (
    changes_table,
    compared_questions_table,
    participation_table,
)
from analytics.tables.compositions import (
    composition_facts,
    gender_table,
    most_represented_table,
    size_band_table,
    size_table,
    stakeholder_table,
    working_group_numbers,
    working_group_table,
)
from analytics.tables.configurations import (
    HEALTH_SYSTEM_LABELS,
    configuration_tables,
    cross_tab_table,
    models_table,
)
from analytics.tables.countries import country_answers_table, country_composition_table
from analytics.tables.recommendations import (
    recommendation_counts_table,
    recommendations_table,
)
from analytics.tables.rounds import (
    invited_table,
    rounds_table,
    stage_table,
    survey_tables,
    text_questions_table,
)
from analytics.tables.table import Cell, Column, Footnote, Table
from analytics.tables.targets import (
    TargetOnRound,
    round_targets_table,
    target_table,
    targets_on_round,
)

__all__ = [
    "HEALTH_SYSTEM_LABELS",
    "Cell",
    "Column",
    "Footnote",
    "Table",
    "TargetOnRound",
    "changes_table",
    "compared_questions_table",
    "composition_facts",
    "configuration_tables",
    "country_answers_table",
    "country_composition_table",
    "cross_tab_table",
    "gender_table",
    "invited_table",
    "models_table",
    "most_represented_table",
    "participation_table",
    "recommendation_counts_table",
    "recommendations_table",
    "round_targets_table",
    "rounds_table",
    "size_band_table",
    "size_table",
    "stage_table",
    "stakeholder_table",
    "survey_tables",
    "target_table",
    "targets_on_round",
    "text_questions_table",
    "working_group_numbers",
    "working_group_table",
]
