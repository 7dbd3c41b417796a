"""The SVG charts, drawn from hand-built selector results: named for assistive technology,
values written beside the marks, and every text escaped."""

import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from analytics import charts
from analytics.selectors import (
    CompositionSummary,
    CountryComposition,
    OptionCount,
    QuestionSummary,
    SizeBand,
    SurveySummary,
    TargetMeasurement,
    TargetProgress,
)

SVG = "{http://www.w3.org/2000/svg}"

STAGE = QuestionSummary(
    code="nmg_stage",
    section="functioning",
    section_title="National Mirror Groups composition and functioning",
    text="At what stage is the mirror group?",
    kind="choice",
    answered=18,
    not_answered=["UK"],
    options=[
        OptionCount("no_tangible_activities", "No tangible activities yet", 1, 0.0556),
        OptionCount("planning", "Planning/preparing", 6, 0.3333),
        OptionCount("constructing", "Constructing/starting up", 7, 0.3889),
        OptionCount("operational", "Operational", 4, 0.2222),
    ],
)

SUMMARY = SurveySummary(
    survey="nmg-survey-2020",
    title="National Mirror Groups survey 2020",
    status="closed",
    opens_on=datetime.date(2020, 10, 1),
    closes_on=datetime.date(2021, 3, 31),
    invited=4,
    respondents=3,
    respondent_countries=["ES", "IT", "UK"],
    non_respondent_countries=["AT"],
    questions=[STAGE],
)


def parse(svg) -> ET.Element:
    """The chart as XML: it must be well-formed to be parsed at all."""
    return ET.fromstring(str(svg))


def texts(root: ET.Element) -> list[str]:
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def assert_named_image(root: ET.Element, chart_id: str, title: str):
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
    title_node = root.find(f"{SVG}title")
    desc_node = root.find(f"{SVG}desc")
    assert title_node.get("id") == f"{chart_id}-title"
    assert title_node.text == title
    assert desc_node.get("id") == f"{chart_id}-desc"
    assert desc_node.text


@pytest.mark.parametrize(
    ("share", "expected"),
    [(0.2222, "22.22%"), (0.4, "40%"), (1, "100%"), (0, "0%"), (Decimal("0.75"), "75%")],
)
def test_percentages_are_written_as_the_deliverable_writes_them(share, expected):
    assert charts.format_percent(share) == expected


def test_bar_chart_is_a_named_image_with_each_value_written_beside_its_bar():
    svg = charts.bar_chart(
        chart_id="sizes",
        title="Experts per country",
        desc="ES 68, CY 1.",
        bars=[charts.Bar("Spain (ES)", 68, "68"), charts.Bar("Cyprus (CY)", 1, "1")],
    )

    root = parse(svg)
    assert_named_image(root, "sizes", "Experts per country")
    assert texts(root) == ["Spain (ES)", "68", "Cyprus (CY)", "1"]
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] > widths[1] > 0


def test_bar_chart_escapes_labels_and_values():
    svg = charts.bar_chart(
        chart_id="evil",
        title='<script>alert("t")</script>',
        desc="a & b",
        bars=[charts.Bar("<b>Côte & Co</b>", 3, "3 <i>")],
    )

    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == '<script>alert("t")</script>'
    assert "<b>Côte & Co</b>" in texts(root)


def test_bar_chart_draws_a_labelled_threshold_line():
    svg = charts.bar_chart(
        chart_id="t",
        title="Target",
        desc="d",
        bars=[charts.Bar("Of the invited countries", 0.1667, "4 of 24 (16.67%)")],
        max_value=1,
        bar_width=200,
        threshold=0.75,
        threshold_label="Target 75%",
    )

    root = parse(svg)
    threshold = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "threshold")
    line = threshold.find(f"{SVG}line")
    assert line.get("stroke-dasharray")
    bar = next(r for r in root.iter(f"{SVG}rect"))
    # The line stands at 75% of the track, the bar ends at 16.67% of it.
    assert float(line.get("x1")) - float(bar.get("x")) == pytest.approx(150, abs=0.1)
    assert "Target 75%" in texts(root)


def test_stage_chart_writes_each_answer_as_a_count_over_the_answers_and_a_share():
    root = parse(charts.stage_bar_chart(STAGE, chart_id="stage"))

    assert_named_image(root, "stage", "At what stage is the mirror group?: countries per answer")
    assert "4/18 (22.22%)" in texts(root)
    assert "1/18 (5.56%)" in texts(root)
    assert "Constructing/starting up" in texts(root)
    assert "Operational 4/18 (22.22%)" in root.find(f"{SVG}desc").text


def test_tile_map_shows_every_country_with_its_code_and_stage_number_and_a_legend():
    svg = charts.stage_tile_map(
        chart_id="map",
        summary=SUMMARY,
        question=STAGE,
        countries=[
            ("AT", "Austria"),
            ("ES", "Spain"),
            ("FR", "France"),
            ("IT", "Italy"),
            ("UK", "United Kingdom"),
        ],
        answers={"ES": "operational", "IT": "planning"},
    )

    root = parse(svg)
    assert root.get("role") == "img"
    tiles = {
        "".join(g.find(f"{SVG}title").itertext()): [
            "".join(t.itertext()) for t in g.iter(f"{SVG}text")
        ]
        for g in root.iter(f"{SVG}g")
        if (g.get("class") or "").startswith("tile ")
    }
    assert tiles == {
        "Austria (AT): Invited, no response": ["AT", "NR"],
        "Spain (ES): 4: Operational": ["ES", "4"],
        "France (FR): Not invited to the round": ["FR", ""],
        "Italy (IT): 2: Planning/preparing": ["IT", "2"],
        "United Kingdom (UK): Responded, stage not given": ["UK", "?"],
    }
    legend = texts(root)
    assert "4: Operational (1)" in legend
    assert "1: No tangible activities yet (0)" in legend
    assert "Invited, no response (1)" in legend
    assert "Not invited to the round (1)" in legend
    assert "4: Operational: 1" in root.find(f"{SVG}desc").text


def test_tile_map_places_tiles_on_the_grid_and_unknown_countries_underneath():
    svg = charts.tile_map(
        chart_id="grid",
        title="Grid",
        desc="d",
        tiles=[charts.Tile("IS", "Iceland", "a"), charts.Tile("XK", "Kosovo", "a")],
        categories=[charts.Category("a", "A", "A", "#ffffff", charts.INK)],
    )

    root = parse(svg)
    rects = {
        "".join(g.find(f"{SVG}title").itertext()).split(" ")[0]: g.find(f"{SVG}rect")
        for g in root.iter(f"{SVG}g")
        if (g.get("class") or "").startswith("tile ")
    }
    assert (rects["Iceland"].get("x"), rects["Iceland"].get("y")) == ("4", "4")
    last_grid_row = max(row for _, row in charts.EUROPE_GRID.values())
    assert int(rects["Kosovo"].get("y")) > 4 + last_grid_row * 62


def test_tile_map_escapes_country_names():
    svg = charts.stage_tile_map(
        chart_id="map",
        summary=SUMMARY,
        question=STAGE,
        countries=[("ES", '<img src=x onerror="alert(1)"> & Spain')],
        answers={"ES": "operational"},
    )

    assert "<img" not in svg
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Spain (ES)" in svg
    parse(svg)


def test_every_country_of_the_registry_has_a_place_on_the_grid():
    places = list(charts.EUROPE_GRID.values())
    assert len(charts.EUROPE_GRID) == 31
    assert len(set(places)) == len(places)
    assert all(0 <= column < charts.GRID_COLUMNS for column, _ in places)


@pytest.mark.parametrize(
    ("share", "css"),
    [
        (None, "heat-none"),
        (0, "heat-0"),
        (0.05, "heat-1"),
        (0.3, "heat-2"),
        (0.6, "heat-3"),
        (0.75, "heat-4"),
        (1, "heat-4"),
    ],
)
def test_heat_class_shades_a_share_in_five_steps(share, css):
    assert charts.heat_class(share) == css


TARGET = TargetProgress(
    slug="operational-nmgs-2021",
    name="At least 75% of countries have an operational NMG",
    description="",
    question_code="nmg_stage",
    answer_values=["operational"],
    threshold=Decimal("0.7500"),
    due_on=datetime.date(2021, 12, 31),
    rounds=[
        TargetMeasurement(
            survey="nmg-survey-2020",
            title="National Mirror Groups survey 2020",
            opens_on=datetime.date(2020, 10, 1),
            invited=24,
            answered=18,
            count=4,
            share_of_answered=0.2222,
            share_of_invited=0.1667,
            met=False,
        ),
        TargetMeasurement(
            survey="nmg-survey-2022",
            title="NMG survey <2022>",
            opens_on=datetime.date(2022, 10, 1),
            invited=20,
            answered=20,
            count=16,
            share_of_answered=0.8,
            share_of_invited=0.8,
            met=True,
        ),
    ],
)


def test_target_chart_draws_every_round_against_the_threshold_with_labelled_values():
    root = parse(charts.target_chart(TARGET, chart_id="target"))

    assert_named_image(
        root,
        "target",
        "At least 75% of countries have an operational NMG: share round by round against the "
        "75% threshold",
    )
    labels = texts(root)
    assert "Target 75%" in labels
    assert [t for t in labels if t in {"16.67%", "22.22%", "80%"}] == [
        "16.67%",
        "22.22%",
        "80%",
        "80%",
    ]
    assert "National Mirror Groups survey 2020" in labels
    assert "NMG survey <2022>" in labels
    assert "2022-10-01" in labels
    desc = root.find(f"{SVG}desc").text
    assert "4 of 24 invited (16.67%), 4 of 18 answering (22.22%), not met" in desc
    assert "16 of 20 invited (80%)" in desc and desc.endswith("met")
    assert "NMG survey &lt;2022&gt;" in charts.target_chart(TARGET, chart_id="target")


def test_target_chart_without_rounds_says_so():
    empty = TargetProgress(**{**TARGET.__dict__, "rounds": []})

    root = parse(charts.target_chart(empty, chart_id="t"))

    assert "No round has measured this target yet." in root.find(f"{SVG}desc").text


def test_target_progress_chart_shows_one_round_over_invited_and_answering():
    root = parse(charts.target_progress_chart(TARGET, TARGET.rounds[0], chart_id="p"))

    labels = texts(root)
    assert "4 of 24 (16.67%)" in labels
    assert "4 of 18 (22.22%)" in labels
    assert "Target 75%" in labels
    assert root.find(f"{SVG}desc").text.endswith("not met.")


def test_size_chart_writes_each_countrys_experts():
    country = CountryComposition(
        country="ES",
        country_name="Spain & <Canarias>",
        experts=68,
        memberships=70,
        working_groups=list(range(1, 12)),
        covers_all_working_groups=True,
        working_group_info_missing=False,
        stakeholder_counts={},
        stakeholder_shares={},
        most_represented=[],
        stakeholder_info_missing=True,
        gender={},
    )
    summary = CompositionSummary(
        countries_submitted=["ES"],
        countries_with_all_working_groups=["ES"],
        countries_with_all_stakeholder_types=[],
        countries_by_stakeholder_type={},
        size_distribution=[SizeBand("51-100", 51, 100, ["ES"])],
        countries=[country],
    )

    svg = charts.size_bar_chart(summary, chart_id="sizes")

    root = parse(svg)
    assert texts(root) == ["Spain & <Canarias> (ES)", "68"]
    assert "<Canarias>" not in svg
