"""Server-rendered SVG charts for the assessment pages: no script, no CDN, printable.

Each chart is an `<svg role="img">` named by its own `<title>` and `<desc>`, writes its
values next to the marks (so nothing depends on colour alone), and is drawn beside an
HTML table with the same numbers. The generic drawers (`bar_chart`, `tile_map`,
`threshold_chart`, `progress_chart`, `heat_class`) take plain values; the adapters below
them turn the selectors' dataclasses into those values. Every text is escaped here.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from analytics.selectors import (
    CompositionSummary,
    QuestionSummary,
    SurveySummary,
    TargetMeasurement,
    TargetProgress,
)

INK = "#1b1f24"
MUTED = "#4a5561"
LINE = "#c9d1d9"
ACCENT = "#0b4f8a"
PAPER = "#ffffff"
FONT = 13  # px, the body text of every chart
CHAR_WIDTH = 0.6  # of the font size: a generous average for estimating label widths
# In a browser the page's font (dashboards.css: `svg.chart text { font-family: inherit }`);
# where the SVG is drawn apart from the page's CSS (WeasyPrint, for the PDF report), a face
# with Arial's widths, which the estimate above fits (wider faces overflow the labels).
FONT_FAMILY = "Liberation Sans, Arial, Helvetica, sans-serif"


def format_percent(share: float | Decimal | None) -> str:
    """A share as the deliverable prints it: `22.22%`, `40%`, `33.33%`."""
    if share is None:
        return "\N{EN DASH}"
    text = f"{float(share) * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _text_width(text: str, size: float = FONT) -> float:
    return len(text) * size * CHAR_WIDTH


def _halo(x: float, y: float, text: str, *, size: float = FONT, anchor: str = "start") -> str:
    """A white ground under a value written at (x, y), so that it stays readable where it
    crosses a line or a bar: a rectangle, which every renderer draws (a stroke painted
    under the text with `paint-order` is not drawn under it by WeasyPrint, the PDF
    report's renderer, but over it)."""
    width = _text_width(text, size) + 4
    left = {"start": x - 2, "middle": x - width / 2, "end": x - width + 2}[anchor]
    return (
        f'<rect x="{_number(left)}" y="{_number(y - size)}" width="{_number(width)}" '
        f'height="{_number(size * 1.3)}" fill="{PAPER}"/>'
    )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _number(value: float) -> str:
    """Coordinates without float noise."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(*, chart_id: str, title: str, desc: str, width: float, height: float, body: str):
    """The `<svg>` shell: named for assistive technology by its title and description."""
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'viewBox="0 0 {_number(width)} {_number(height)}" '
        f'width="{_number(width)}" height="{_number(height)}" '
        f'font-size="{FONT}" font-family="{FONT_FAMILY}" fill="{INK}">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


# --- horizontal bar chart ----------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bar: its label, the length it is drawn at, and the value written beside it."""

    label: str
    value: float
    text: str  # e.g. "4/18 (22.22%)"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    bars: Sequence[Bar],
    max_value: float | None = None,
    bar_width: float = 320,
    threshold: float | None = None,
    threshold_label: str = "",
) -> SafeString:
    """Horizontal bars, label on the left and the value written at the end of each bar;
    optionally a dashed line at `threshold` (in the bars' unit) with its label above."""
    label_chars = 34
    labels = [_shorten(bar.label, label_chars) for bar in bars]
    label_width = max((_text_width(label) for label in labels), default=0) + 12
    value_width = max((_text_width(bar.text) for bar in bars), default=0) + 12
    top = max((bar.value for bar in bars), default=0)
    scale_max = max(max_value or 0, top, threshold or 0) or 1
    row, thickness, pad = 28, 18, 6
    head = 20 if threshold is not None else 0
    width = label_width + bar_width + value_width
    height = head + pad * 2 + row * max(len(bars), 1)
    parts = []
    for index, (bar, label) in enumerate(zip(bars, labels, strict=True)):
        y = head + pad + index * row
        length = bar_width * max(bar.value, 0) / scale_max
        middle = y + thickness / 2 + FONT * 0.35
        parts.append(
            f'<g class="bar"><title>{escape(bar.label)}: {escape(bar.text)}</title>'
            f'<text x="{_number(label_width - 8)}" y="{_number(middle)}" '
            f'text-anchor="end">{escape(label)}</text>'
            f'<rect x="{_number(label_width)}" y="{_number(y)}" '
            f'width="{_number(max(length, 1 if bar.value else 0))}" height="{thickness}" '
            f'fill="{ACCENT}"/>'
            f"{_halo(label_width + length + 6, middle, bar.text)}"
            f'<text x="{_number(label_width + length + 6)}" y="{_number(middle)}">'
            f"{escape(bar.text)}</text></g>"
        )
    axis_x = _number(label_width)
    parts.append(
        f'<line x1="{axis_x}" y1="{head + pad - 2}" x2="{axis_x}" '
        f'y2="{_number(height - pad + 2)}" stroke="{MUTED}" stroke-width="1"/>'
    )
    if threshold is not None:
        x = _number(label_width + bar_width * threshold / scale_max)
        # Drawn under the bars' values, whose white halo keeps them readable across it.
        parts.insert(
            0,
            f'<g class="threshold"><line x1="{x}" y1="{head - 2}" x2="{x}" '
            f'y2="{_number(height - pad + 2)}" stroke="{INK}" stroke-width="2" '
            f'stroke-dasharray="5 4"/>'
            f'<text x="{x}" y="{head - 6}" text-anchor="middle" font-size="12" '
            f'font-weight="700">{escape(threshold_label)}</text></g>',
        )
    return _svg(
        chart_id=chart_id, title=title, desc=desc, width=width, height=height, body="".join(parts)
    )


# --- tile-grid map of Europe ---------------------------------------------------------------

# One square per country, on a grid that approximates geography (column, row).
EUROPE_GRID: dict[str, tuple[int, int]] = {
    "IS": (0, 0),
    "NO": (3, 0),
    "SE": (4, 0),
    "FI": (5, 0),
    "DK": (3, 1),
    "EE": (5, 1),
    "IE": (0, 2),
    "UK": (1, 2),
    "NL": (2, 2),
    "DE": (3, 2),
    "LT": (4, 2),
    "LV": (5, 2),
    "BE": (1, 3),
    "LU": (2, 3),
    "CZ": (3, 3),
    "PL": (4, 3),
    "FR": (1, 4),
    "CH": (2, 4),
    "AT": (3, 4),
    "SK": (4, 4),
    "PT": (0, 5),
    "ES": (1, 5),
    "IT": (2, 5),
    "SI": (3, 5),
    "HU": (4, 5),
    "RO": (5, 5),
    "MT": (2, 6),
    "HR": (3, 6),
    "BG": (5, 6),
    "EL": (4, 7),
    "CY": (6, 7),
}
GRID_COLUMNS = 7


@dataclass(frozen=True)
class Category:
    """A class of tiles: its legend label, the mark written on its tiles, and its colours."""

    key: str
    label: str
    mark: str  # short text on the tile under the code, e.g. "4" or "NR"
    fill: str
    ink: str
    hatched: bool = False
    dashed: bool = False


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    category: str  # a Category key


def tile_map(
    *,
    chart_id: str,
    title: str,
    desc: str,
    tiles: Sequence[Tile],
    categories: Sequence[Category],
) -> SafeString:
    """Countries as labelled squares on a grid of Europe, each showing its code and its
    category's mark, with a legend counting the tiles of each category. Countries off the
    grid are laid out in an extra row underneath."""
    size, gap, margin = 56, 6, 4
    by_key = {category.key: category for category in categories}
    positions, extra = {}, 0
    last_row = max(row for _, row in EUROPE_GRID.values())
    for tile in tiles:
        if tile.code in EUROPE_GRID:
            positions[tile.code] = EUROPE_GRID[tile.code]
        else:
            positions[tile.code] = (extra % GRID_COLUMNS, last_row + 1 + extra // GRID_COLUMNS)
            extra += 1
    rows = max((row for _, row in positions.values()), default=last_row) + 1
    grid_width = margin * 2 + GRID_COLUMNS * (size + gap)
    grid_height = margin * 2 + rows * (size + gap)
    parts = [
        f'<defs><pattern id="{escape(chart_id)}-hatch" width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{MUTED}" stroke-width="1.5" '
        f'stroke-opacity="0.45"/></pattern></defs>'
    ]
    counts = {category.key: 0 for category in categories}
    for tile in tiles:
        category = by_key[tile.category]
        counts[category.key] += 1
        column, row = positions[tile.code]
        x, y = margin + column * (size + gap), margin + row * (size + gap)
        stroke = f'stroke="{MUTED}" stroke-width="1"'
        if category.dashed:
            stroke += ' stroke-dasharray="4 3"'
        hatch = (
            f'<rect x="{x}" y="{y}" width="{size}" height="{size}" '
            f'fill="url(#{escape(chart_id)}-hatch)"/>'
            if category.hatched
            else ""
        )
        parts.append(
            f'<g class="tile tile-{escape(category.key)}">'
            f"<title>{escape(tile.name)} ({escape(tile.code)}): {escape(category.label)}</title>"
            f'<rect x="{x}" y="{y}" width="{size}" height="{size}" rx="3" '
            f'fill="{category.fill}" {stroke}/>{hatch}'
            f'<text x="{x + size / 2:g}" y="{y + 24}" text-anchor="middle" font-weight="700" '
            f'font-size="15" fill="{category.ink}">{escape(tile.code)}</text>'
            f'<text x="{x + size / 2:g}" y="{y + 44}" text-anchor="middle" font-size="13" '
            f'fill="{category.ink}">{escape(category.mark)}</text></g>'
        )
    legend_x, line = grid_width + 12, 30
    legend_label_width = max(
        (_text_width(f"{c.label} ({counts[c.key]})") for c in categories), default=0
    )
    parts.append(f'<text x="{legend_x}" y="{margin + 14}" font-weight="700">Legend</text>')
    for index, category in enumerate(categories):
        y = margin + 26 + index * line
        stroke = f'stroke="{MUTED}" stroke-width="1"'
        if category.dashed:
            stroke += ' stroke-dasharray="4 3"'
        hatch = (
            f'<rect x="{legend_x}" y="{y}" width="24" height="24" '
            f'fill="url(#{escape(chart_id)}-hatch)"/>'
            if category.hatched
            else ""
        )
        parts.append(
            f'<g class="legend-item"><rect x="{legend_x}" y="{y}" width="24" height="24" rx="2" '
            f'fill="{category.fill}" {stroke}/>{hatch}'
            f'<text x="{legend_x + 12}" y="{y + 17}" text-anchor="middle" font-size="11" '
            f'fill="{category.ink}">{escape(category.mark)}</text>'
            f'<text x="{legend_x + 32}" y="{y + 17}">{escape(category.label)} '
            f"({counts[category.key]})</text></g>"
        )
    width = legend_x + 32 + legend_label_width + 8
    height = max(grid_height, margin + 26 + len(categories) * line)
    return _svg(
        chart_id=chart_id, title=title, desc=desc, width=width, height=height, body="".join(parts)
    )


# --- heatmap cells -------------------------------------------------------------------------

HEAT_LEVELS = 5


def heat_class(share: float | None) -> str:
    """The CSS class shading a heatmap cell: `heat-none` without data, else `heat-0` (0%)
    to `heat-4` (75% and more). The cell always writes its percentage too."""
    if share is None:
        return "heat-none"
    if share <= 0:
        return "heat-0"
    return f"heat-{min(HEAT_LEVELS - 1, 1 + int(float(share) * 4))}"


# --- shares against a threshold ------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One bar per round, all drawn alike; a legend names it (hatched or solid)."""

    label: str
    hatched: bool = False


@dataclass(frozen=True)
class Point:
    """A round on a threshold chart: its label and one (share, written value) per series."""

    label: str
    values: tuple[tuple[float, str], ...]
    sublabel: str = ""  # a second line under the label, e.g. the opening date


def threshold_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    series: Sequence[Series],
    points: Sequence[Point],
    threshold: float,
    threshold_label: str,
) -> SafeString:
    """Vertical bars from 0 to 100%, one group per round, the value written above each bar,
    and a dashed line at the threshold with its label."""
    plot_height, left, top, bottom = 200, 48, 34, 62
    bar, inner_gap, group_gap = 40, 6, 36
    group_width = len(series) * bar + (len(series) - 1) * inner_gap
    label_chars = 36
    group_width = max(group_width, _text_width("x" * label_chars, 12))
    plot_width = max(len(points), 1) * (group_width + group_gap) + group_gap
    legend_width = sum(_text_width(s.label, 12) + 40 for s in series)
    width = left + max(plot_width, legend_width) + 16
    height = top + plot_height + bottom

    def y_of(share: float) -> float:
        return top + plot_height * (1 - min(max(share, 0), 1))

    parts = [
        f'<defs><pattern id="{escape(chart_id)}-hatch" width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{PAPER}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{ACCENT}" stroke-width="3"/>'
        f"</pattern></defs>"
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = _number(y_of(tick))
        parts.append(
            f'<line x1="{left}" y1="{y}" x2="{_number(left + plot_width)}" y2="{y}" '
            f'stroke="{LINE}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{_number(y_of(tick) + 4)}" text-anchor="end" '
            f'font-size="11" fill="{MUTED}">{format_percent(tick)}</text>'
        )
    for index, point in enumerate(points):
        group_x = left + group_gap + index * (group_width + group_gap)
        bars_width = len(series) * bar + (len(series) - 1) * inner_gap
        first_x = group_x + (group_width - bars_width) / 2
        for number, (kind, (share, text)) in enumerate(zip(series, point.values, strict=True)):
            x = first_x + number * (bar + inner_gap)
            y = y_of(share)
            fill = f"url(#{escape(chart_id)}-hatch)" if kind.hatched else ACCENT
            parts.append(
                f'<g class="bar"><title>{escape(point.label)}, {escape(kind.label)}: '
                f"{escape(text)}</title>"
                f'<rect x="{_number(x)}" y="{_number(y)}" width="{bar}" '
                f'height="{_number(top + plot_height - y)}" fill="{fill}" '
                f'stroke="{ACCENT}" stroke-width="1"/>'
                f"{_halo(x + bar / 2, y - 5, text, size=11, anchor='middle')}"
                f'<text x="{_number(x + bar / 2)}" y="{_number(y - 5)}" text-anchor="middle" '
                f'font-size="11">{escape(text)}</text></g>'
            )
        label_x = _number(group_x + group_width / 2)
        parts.append(
            f'<text x="{label_x}" y="{_number(top + plot_height + 18)}" text-anchor="middle" '
            f'font-size="12">{escape(_shorten(point.label, label_chars))}</text>'
        )
        if point.sublabel:
            parts.append(
                f'<text x="{label_x}" y="{_number(top + plot_height + 33)}" '
                f'text-anchor="middle" font-size="11" fill="{MUTED}">'
                f"{escape(point.sublabel)}</text>"
            )
    threshold_y = _number(y_of(threshold))
    parts.append(
        f'<g class="threshold"><line x1="{left}" y1="{threshold_y}" '
        f'x2="{_number(left + plot_width)}" y2="{threshold_y}" stroke="{INK}" '
        f'stroke-width="2" stroke-dasharray="6 4"/>'
        f'<text x="{_number(left + plot_width)}" y="{_number(y_of(threshold) - 6)}" '
        f'text-anchor="end" font-weight="700">{escape(threshold_label)}</text></g>'
    )
    parts.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_height}" stroke="{MUTED}"/>'
    )
    legend_x, legend_y = left, top + plot_height + 44
    for kind in series:
        fill = f"url(#{escape(chart_id)}-hatch)" if kind.hatched else ACCENT
        parts.append(
            f'<g class="legend-item"><rect x="{_number(legend_x)}" y="{legend_y}" width="14" '
            f'height="14" fill="{fill}" stroke="{ACCENT}"/>'
            f'<text x="{_number(legend_x + 20)}" y="{legend_y + 12}" font-size="12">'
            f"{escape(kind.label)}</text></g>"
        )
        legend_x += _text_width(kind.label, 12) + 40
    return _svg(
        chart_id=chart_id, title=title, desc=desc, width=width, height=height, body="".join(parts)
    )


# --- adapters from the selectors' dataclasses ---------------------------------------------

# Sequential greens for the stages, light to dark; the ink keeps text contrast above 4.5:1.
STAGE_COLOURS = (
    ("#f7fcf5", INK),
    ("#c7e9c0", INK),
    ("#74c476", INK),
    ("#006d2c", PAPER),
)
NO_ANSWER = Category("no-answer", "Responded, stage not given", "?", PAPER, INK)
NO_RESPONSE = Category("no-response", "Invited, no response", "NR", "#e1e4e8", INK, hatched=True)
NOT_INVITED = Category("not-invited", "Not invited to the round", "", "#f3f5f7", MUTED, dashed=True)


def stage_categories(question: QuestionSummary) -> list[Category]:
    """One category per stage option, numbered in the question's order (1 = earliest)."""
    categories = []
    for index, option in enumerate(question.options):
        fill, ink = STAGE_COLOURS[index % len(STAGE_COLOURS)]
        categories.append(
            Category(
                f"stage-{index + 1}", f"{index + 1}: {option.label}", str(index + 1), fill, ink
            )
        )
    return categories


def stage_bar_chart(question: QuestionSummary, *, chart_id: str) -> SafeString:
    """The stage distribution of a round (section 5.1's 'Stage in establishing NMGs')."""
    bars = [
        Bar(
            option.label,
            option.count,
            f"{option.count}/{question.answered} ({format_percent(option.share)})",
        )
        for option in question.options
    ]
    return bar_chart(
        chart_id=chart_id,
        title=f"{question.text}: countries per answer",
        desc=f"Over the {question.answered} responding countries that answered: "
        + "; ".join(f"{bar.label} {bar.text}" for bar in bars)
        + ".",
        bars=bars,
        max_value=question.answered,
    )


def stage_tile_map(
    *,
    chart_id: str,
    summary: SurveySummary,
    question: QuestionSummary,
    countries: Sequence[tuple[str, str]],
    answers: Mapping[str, str],
) -> SafeString:
    """Every country of the registry on the grid, marked with its stage in the round.

    `countries` are (code, name) pairs; `answers` maps a respondent's code to the option
    value it gave (countries that left the question blank are absent)."""
    categories = stage_categories(question)
    stage_of = {
        option.value: category.key
        for option, category in zip(question.options, categories, strict=True)
    }
    invited = set(summary.respondent_countries) | set(summary.non_respondent_countries)
    responded = set(summary.respondent_countries)
    tiles = []
    for code, name in countries:
        if code in responded:
            category = stage_of.get(answers.get(code, ""), NO_ANSWER.key)
        elif code in invited:
            category = NO_RESPONSE.key
        else:
            category = NOT_INVITED.key
        tiles.append(Tile(code, name, category))
    categories += [NO_ANSWER, NO_RESPONSE, NOT_INVITED]
    counts = {c.key: sum(t.category == c.key for t in tiles) for c in categories}
    return tile_map(
        chart_id=chart_id,
        title=f"Map: {question.text} ({summary.title})",
        desc="Each country is a square placed roughly where it lies in Europe, showing its "
        "code and its stage number. "
        + "; ".join(f"{c.label}: {counts[c.key]}" for c in categories)
        + ". The table below lists the countries of each stage.",
        tiles=tiles,
        categories=categories,
    )


def size_bar_chart(summary: CompositionSummary, *, chart_id: str) -> SafeString:
    """Experts per country (each person once)."""
    bars = [
        Bar(f"{c.country_name} ({c.country})", c.experts, str(c.experts)) for c in summary.countries
    ]
    return bar_chart(
        chart_id=chart_id,
        title="Size of each country's mirror groups (experts)",
        desc="Number of experts per country: "
        + "; ".join(f"{c.country} {c.experts}" for c in summary.countries)
        + ".",
        bars=bars,
    )


def target_chart(target: TargetProgress, *, chart_id: str) -> SafeString:
    """A target's share round by round, over the invited and over the answering countries,
    against its threshold."""
    series = (Series("Share of invited countries"), Series("Share of answering", hatched=True))
    points = [
        Point(
            m.label,
            (
                (m.share_of_invited, format_percent(m.share_of_invited)),
                (m.share_of_answered, format_percent(m.share_of_answered)),
            ),
            m.opens_on.isoformat() if m.opens_on else "",
        )
        for m in target.rounds
    ]
    threshold = float(target.threshold)
    rounds = "; ".join(
        f"{m.label}: {m.count} of {m.invited} invited ({format_percent(m.share_of_invited)}), "
        f"{m.count} of {m.answered} answering ({format_percent(m.share_of_answered)}), "
        + ("met" if m.met else "not met")
        for m in target.rounds
    )
    return threshold_chart(
        chart_id=chart_id,
        title=f"{target.name}: share round by round against the {format_percent(threshold)} "
        "threshold",
        desc=f"Threshold {format_percent(threshold)}, due {target.due_on.isoformat()}. "
        + (rounds or "No round has measured this target yet."),
        series=series,
        points=points,
        threshold=threshold,
        threshold_label=f"Target {format_percent(threshold)}",
    )


def target_progress_chart(
    target: TargetProgress, measurement: TargetMeasurement, *, chart_id: str
) -> SafeString:
    """One round's measurement of a target, over the invited and over the answering
    countries, against its threshold: the target at a glance."""
    threshold = float(target.threshold)
    of_invited = (
        f"{measurement.count} of {measurement.invited} "
        f"({format_percent(measurement.share_of_invited)})"
    )
    of_answering = (
        f"{measurement.count} of {measurement.answered} "
        f"({format_percent(measurement.share_of_answered)})"
    )
    return bar_chart(
        chart_id=chart_id,
        title=f"{target.name}: {measurement.title}",
        desc=f"{of_invited} of the invited countries and {of_answering} of the countries "
        f"that answered; the target is {format_percent(threshold)} of the invited countries "
        f"by {target.due_on.isoformat()}: " + ("met." if measurement.met else "not met."),
        bars=[
            Bar("Of the invited countries", measurement.share_of_invited, of_invited),
            Bar("Of the answering countries", measurement.share_of_answered, of_answering),
        ],
        max_value=1,
        bar_width=280,
        threshold=threshold,
        threshold_label=f"Target {format_percent(threshold)}",
    )
