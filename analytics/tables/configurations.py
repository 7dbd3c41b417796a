"""The configuration models (the deliverable's section 6): each country's model, and the
countries counted by model and an attribute."""

from analytics.selectors import CONFIGURATION_MODELS, ConfigurationModels, CrossTab
from analytics.tables.cells import COUNTRY_COLUMN, country_cell, number, text
from analytics.tables.table import Cell, Column, Table
from nmg_registry.models import HealthSystem

HEALTH_SYSTEM_LABELS = {**dict(HealthSystem.choices), "unknown": "Not recorded", "": "Not recorded"}


def models_table(models: ConfigurationModels) -> Table:
    return Table(
        "models",
        "Configuration model of each country's mirror groups",
        [
            COUNTRY_COLUMN,
            Column("Configuration model"),
            Column("Groups", numeric=True),
            Column("Health system"),
            Column("Population (millions)", numeric=True),
            Column("Population band"),
        ],
        [
            [
                country_cell(c.country_name, c.country),
                Cell(c.model_label, export=(c.model_label,)),
                number(c.groups),
                text(HEALTH_SYSTEM_LABELS.get(c.health_system, c.health_system)),
                number(c.population_millions),
                text(c.population_band),
            ]
            for c in models.countries
        ],
    )


def cross_tab_table(
    cross_tab: CrossTab, *, table_id: str, caption: str, column_labels: dict[str, str]
) -> Table:
    """Countries counted by model (rows) and an attribute (columns), naming the countries."""
    rows = []
    for model in cross_tab.rows:
        cells = [text(CONFIGURATION_MODELS.get(model, model))]
        for column in cross_tab.columns:
            countries = cross_tab.counts.get(model, {}).get(column, [])
            cells.append(
                Cell(
                    str(len(countries)),
                    export=(len(countries), ", ".join(countries)),
                    note=", ".join(countries),
                    css="num",
                )
            )
        total = sum(len(v) for v in cross_tab.counts.get(model, {}).values())
        cells.append(number(total))
        rows.append(cells)
    columns = [
        Column("Configuration model"),
        *(
            Column(
                column_labels.get(c, c),
                export=(column_labels.get(c, c), f"{column_labels.get(c, c)} (countries)"),
                numeric=True,
            )
            for c in cross_tab.columns
        ),
        Column("All", numeric=True),
    ]
    return Table(table_id, caption, columns, rows)


def configuration_tables(models: ConfigurationModels) -> list[Table]:
    """Section 6: each country's model, then the countries by model and health-system type,
    and by model and population."""
    return [
        models_table(models),
        cross_tab_table(
            models.by_health_system,
            table_id="by_health_system",
            caption="Configuration models by health-system type (countries)",
            column_labels=HEALTH_SYSTEM_LABELS,
        ),
        cross_tab_table(
            models.by_population,
            table_id="by_population",
            caption="Configuration models by population (countries)",
            column_labels={"unknown": "Not recorded"},
        ),
    ]
