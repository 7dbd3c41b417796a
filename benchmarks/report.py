"""How long a round's assessment report takes to generate, as PDF and as Word.

    .venv/bin/python -m benchmarks.report               # SQLite; PostgreSQL too with DATABASE_URL
    .venv/bin/python -m benchmarks.report --countries 30 --experts 40 --repeat 3

Builds a round of 30 countries (the 2020 round's questions, every country invited and
answering every question, imported through `import_survey`), an earlier round they also
answered (for the comparison section), and each country's composition (about 40 experts a
country, imported through `import_composition` before the round closed) and a mirror
group; then times `analytics.report.report_file` for PDF and for Word, as the web page and
`manage.py assessment_report` call it, and counts its queries. The target: under 10 s for
either file (issue 13). Runs on a throwaway database as `benchmarks.imports` does; not part
of the test suite; see docs/performance.md for the figures.
"""

import argparse
import datetime
import io
import os
import random
import subprocess
import sys
import time

from benchmarks.imports import BASE_DIR, SEED, _csv, _people, _server_version, _targets

ROUND = "nmg-survey-2020"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--countries", type=int, default=30, help="countries in the round")
    parser.add_argument("--experts", type=int, default=40, help="composition rows per country")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each file; best counts")
    parser.add_argument("--backend", choices=["auto", "sqlite", "postgres"], default="auto")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        from benchmarks.imports import on_throwaway_database

        on_throwaway_database(lambda: _measure(args.countries, args.experts, args.repeat))
        return
    for label, url in _targets(args.backend):
        print(f"\n## {label}\n", flush=True)
        command = [sys.executable, "-m", "benchmarks.report", "--child"]
        command += ["--countries", str(args.countries), "--experts", str(args.experts)]
        command += ["--repeat", str(args.repeat)]
        subprocess.run(command, env={**os.environ, "DATABASE_URL": url}, cwd=BASE_DIR, check=True)


def _measure(countries: int, experts: int, repeat: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from analytics.report import FORMATS, report_file
    from nmg_registry.permissions import Viewer
    from surveys.models import Survey

    survey = _build(countries=countries, experts=experts)
    print(f"database: {connection.vendor} {_server_version()}")
    print(
        f"round: {survey.title}, {survey.invited_countries.count()} countries invited and "
        f"responding, {survey.questions.count()} questions; an earlier round beside it; "
        f"compositions: {_experts()} experts"
    )
    survey = Survey.objects.get(pk=survey.pk)
    for file_format in FORMATS:
        times = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started, cpu = time.perf_counter(), time.process_time()
                made = report_file(survey=survey, user=Viewer(), file_format=file_format)
                times.append((time.perf_counter() - started, time.process_time() - cpu))
        wall, busy = min(times)
        runs = ", ".join(f"{w:.2f}" for w, _c in times)
        print(
            f"{file_format}: {wall:.2f} s (CPU {busy:.2f} s; runs: {runs}), "
            f"{len(made.content) / 1e3:,.0f} kB, {_pages(made.content, file_format)}, "
            f"{len(queries)} queries"
        )


def _build(*, countries: int, experts: int):
    """The round of `countries` countries, an earlier one, their compositions and groups."""
    from compositions.services.file_import import import_composition
    from nmg_registry.models import Country, MirrorGroup
    from nmg_registry.moments import registry_zone
    from surveys.models import Survey
    from surveys.services.file_import import import_survey
    from surveys.services.rounds import clone_survey

    chosen = list(Country.objects.order_by("code"))[:countries]
    if len(chosen) < countries:
        sys.exit(f"only {len(chosen)} countries are shipped; ask for at most that many")
    survey = Survey.objects.get(slug=ROUND)
    survey.invited_countries.set(chosen)
    earlier = clone_survey(
        source=survey,
        slug="nmg-survey-2019",
        title="National Mirror Groups survey 2019",
        opens_on=datetime.date(2019, 10, 1),
        closes_on=datetime.date(2020, 3, 31),
    )
    Survey.objects.filter(pk=earlier.pk).update(status=Survey.Status.CLOSED)
    earlier.refresh_from_db()
    earlier.invited_countries.set(chosen)
    rng = random.Random(SEED)
    before = _answers(earlier, chosen, rng)
    # A year later a fifth of the answers have changed.
    after = {
        key: _answer(question, country, rng) if rng.random() < 0.2 else value
        for key, (value, question, country) in before.items()
    }
    import_survey(survey=earlier, data=_csv_of(earlier, chosen, before), filename="2019.csv")
    import_survey(survey=survey, data=_csv_of(survey, chosen, after), filename="2020.csv")
    people = _people(chosen, rows=countries * experts)
    import_composition(
        data=_csv(people),
        filename="benchmark-composition.csv",
        as_of=datetime.datetime(2021, 1, 15, tzinfo=registry_zone()),
    )
    MirrorGroup.objects.bulk_create(
        MirrorGroup(country=country, kind=MirrorGroup.Kind.SINGLE, name=f"NMG {country.code}")
        for country in chosen
    )
    return survey


def _answers(survey, countries, rng) -> dict:
    """Every country answering every question: (country code, question code) -> (the
    answer, the question, the country)."""
    questions = list(survey.questions.order_by("order", "code").prefetch_related("options"))
    return {
        (country.code, question.code): (_answer(question, country, rng), question, country)
        for country in countries
        for question in questions
    }


def _answer(question, country, rng) -> str:
    """An option, a scale point, a web address, or a text of 3 to 40 words."""
    options = [option.value for option in question.options.all()]
    if options:
        return rng.choice(options)
    if question.kind == "url":
        return f"https://example.org/{country.code.lower()}/plan"
    return f"Benchmark answer of {country.name}: " + " ".join(["words"] * rng.randint(3, 40))


def _csv_of(survey, countries, answers: dict) -> bytes:
    from nmg_registry.tabular import write_csv

    codes = list(survey.questions.order_by("order", "code").values_list("code", flat=True))
    rows = [[c.code, *(_value(answers[c.code, code]) for code in codes)] for c in countries]
    return write_csv(["country", *codes], rows)


def _value(answer) -> str:
    return answer[0] if isinstance(answer, tuple) else answer


def _experts() -> int:
    from compositions.models import Expert

    return Expert.objects.count()


def _pages(content: bytes, file_format: str) -> str:
    if file_format == "pdf":
        import pypdf

        return f"{len(pypdf.PdfReader(io.BytesIO(content)).pages)} pages"
    from docx import Document

    document = Document(io.BytesIO(content))
    return f"{len(document.tables)} tables"


if __name__ == "__main__":
    main()
