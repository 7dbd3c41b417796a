"""How fast the composition import is, measured against the floor of a plain bulk_create.

    .venv/bin/python -m benchmarks.imports    # SQLite, and PostgreSQL if DATABASE_URL is one
    .venv/bin/python -m benchmarks.imports --rows 20000 --backend sqlite

Generates a composition file of 100,000 rows over 40 countries (the 31 shipped ones and 9
synthetic ones created for the run), imports it as CSV through the same service the command
and the admin use, imports it again (the idempotent case), and compares with a plain
`bulk_create` of the same Expert and Membership objects. Each backend runs in its own child
process on a database created for the run and dropped afterwards (`var/benchmark.sqlite3`,
or `nmg_benchmark` on the PostgreSQL server of DATABASE_URL): the developer's database is
never touched. Not part of the test suite; see docs/performance.md for the figures.
"""

import argparse
import gc
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SQLITE_TEST_DB = BASE_DIR / "var" / "benchmark.sqlite3"
POSTGRES_TEST_DB = "nmg_benchmark"
SYNTHETIC_COUNTRIES = [(f"X{letter}", f"Benchmarkland {letter}") for letter in "ABCDEFGHI"]
SEED = 20201001


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step; the best counts")
    parser.add_argument("--backend", choices=["auto", "sqlite", "postgres"], default="auto")
    parser.add_argument(
        "--no-tracemalloc",
        action="store_true",
        help="skip the extra import under tracemalloc (it runs several times slower)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_benchmark(rows=args.rows, repeat=args.repeat, trace=not args.no_tracemalloc)
        return
    for label, url in _targets(args.backend):
        print(f"\n## {label}\n", flush=True)
        env = {**os.environ, "DATABASE_URL": url}
        command = [sys.executable, "-m", "benchmarks.imports", "--child"]
        command += ["--rows", str(args.rows), "--repeat", str(args.repeat)]
        if args.no_tracemalloc:
            command.append("--no-tracemalloc")
        subprocess.run(command, env=env, cwd=BASE_DIR, check=True)


def _targets(backend: str) -> list[tuple[str, str]]:
    """SQLite always (unless PostgreSQL alone is asked for); PostgreSQL when configured."""
    url = os.environ.get("DATABASE_URL", "")
    on_postgres = url.startswith(("postgres://", "postgresql://"))
    targets = []
    if backend in ("auto", "sqlite"):
        targets.append(("SQLite", f"sqlite:///{BASE_DIR / 'var' / 'benchmark-unused.sqlite3'}"))
    if backend == "postgres" and not on_postgres:
        sys.exit("--backend postgres needs DATABASE_URL=postgres://… (the server to use)")
    if backend in ("auto", "postgres") and on_postgres:
        targets.append(("PostgreSQL", url))
    return targets


# The child: one backend, one throwaway database


def run_benchmark(*, rows: int, repeat: int, trace: bool) -> None:
    on_throwaway_database(lambda: _measure(rows=rows, repeat=repeat, trace=trace))


def on_throwaway_database(measure) -> None:
    """Run `measure()` on a database created for it and dropped afterwards."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nmg_registry.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False  # DEBUG would keep every query's SQL: not what production does
    is_sqlite = connection.vendor == "sqlite"
    if is_sqlite:
        SQLITE_TEST_DB.parent.mkdir(exist_ok=True)
    connection.settings_dict["TEST"]["NAME"] = (
        str(SQLITE_TEST_DB) if is_sqlite else POSTGRES_TEST_DB
    )
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        measure()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _measure(*, rows: int, repeat: int, trace: bool) -> None:
    from django.db import connection

    from compositions.services.file_import import import_composition

    def run_import():
        return import_composition(data=data, filename="benchmark.csv")

    countries = _countries()
    people = _people(countries, rows=rows)
    data = _csv(people)
    seats = sum(len(person["seats"]) for person in people)
    print(f"database: {connection.vendor} {_server_version()}")
    print(f"file: {rows:,} rows, {len(countries)} countries, {len(people):,} people, ", end="")
    print(f"{seats:,} memberships, {len(data) / 1e6:.1f} MB CSV")
    del people
    rss_before = _max_rss_mb()
    times = {"floor": [], "first": [], "second": []}
    # Best of `repeat`: the machine is shared, and the least disturbed run is the measure.
    for _ in range(repeat):
        _wipe()
        times["floor"].append(_floor(countries, rows=rows))
        _wipe()
        elapsed, first_summary = _timed(run_import)
        times["first"].append(elapsed)
        elapsed, second_summary = _timed(run_import)
        times["second"].append(elapsed)
    floor, first, second = (min(times[k]) for k in ("floor", "first", "second"))
    print(f"first import: {first:.2f} s, {rows / first:,.0f} rows/s {_runs(times['first'])}")
    print(f"  {first_summary.line()}")
    print(f"second import (nothing changes): {second:.2f} s, {rows / second:,.0f} rows/s ", end="")
    print(_runs(times["second"]))
    print(f"  {second_summary.line()}")
    print(f"floor, plain bulk_create of the same objects: {floor:.2f} s {_runs(times['floor'])}")
    print(f"ratio first import / floor: {first / floor:.2f}")
    _measure_exports(rows=rows)
    print(f"peak RSS of the process: {_max_rss_mb():.0f} MB (before the first import: ", end="")
    print(f"{rss_before:.0f} MB)")
    if trace:
        _wipe()
        gc.collect()
        tracemalloc.start()
        traced, _ = _timed(run_import)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"tracemalloc peak of one import: {peak / 1e6:.0f} MB (that run, slowed by ", end="")
        print(f"tracing: {traced:.0f} s)")


def _measure_exports(*, rows: int) -> None:
    """The exports of the whole imported composition, as WP6 staff download them."""
    from django.contrib.auth import get_user_model

    from compositions.selectors import composition_export

    staff = get_user_model().objects.create_superuser("benchmark-staff")
    for file_format in ("csv", "xlsx"):
        elapsed, data = _timed(lambda f=file_format: composition_export(user=staff, file_format=f))
        print(f"export {file_format}: {elapsed:.2f} s, {rows / elapsed:,.0f} rows/s, ", end="")
        print(f"{len(data) / 1e6:.1f} MB")


def _runs(seconds: list[float]) -> str:
    return "(runs: " + ", ".join(f"{s:.2f}" for s in seconds) + ")"


def _timed(call):
    gc.collect()
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def _max_rss_mb() -> float:
    # Linux reports kilobytes, macOS bytes.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1e6


def _server_version() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


# The data


def _countries():
    from nmg_registry.models import Country

    Country.objects.bulk_create(
        Country(code=code, iso_code=code, name=name) for code, name in SYNTHETIC_COUNTRIES
    )
    return list(Country.objects.order_by("code"))


def _people(countries, *, rows: int) -> list[dict]:
    """People of the file: 1 to 4 seats each, one in ten without email, blanks here and there."""
    from compositions.models import Gender
    from nmg_registry.models import StakeholderType

    rng = random.Random(SEED)
    types = [*StakeholderType.objects.values_list("slug", flat=True), ""]
    genders = [*Gender.values, ""]
    positions = ["Professor", "Researcher", "Clinician", "Policy officer", "Data steward", ""]
    people, written = [], 0
    while written < rows:
        country = countries[len(people) % len(countries)]
        seats = rng.sample([*range(1, 12), None], k=min(rng.randint(1, 4), rows - written))
        n = len(people)
        people.append(
            {
                # Some rows name the country by ISO code or in lower case, as people type them.
                "country": rng.choice([country.code, country.iso_code, country.code.lower()]),
                "country_id": country.pk,
                "name": f"Person {n} {rng.choice(['García', 'Rossi', 'Müller', 'Novak'])}",
                "institution": f"Institute {n % 997}",
                "email": "" if n % 10 == 0 else f"person{n}@example.org",
                "position": rng.choice(positions),
                "gender": rng.choice(genders),
                "region": rng.choice(["", "North", "South", "Capital region"]),
                "stakeholder_type": rng.choice(types),
                "seats": [(wg, "coordinator" if rng.random() < 0.1 else "expert") for wg in seats],
            }
        )
        written += len(seats)
    return people


def _csv(people) -> bytes:
    from compositions.resources import COLUMNS
    from nmg_registry.tabular import write_csv

    def rows():
        for p in people:
            for wg, role in p["seats"]:
                yield [
                    p["country"],
                    f"WG{wg}" if wg and wg % 2 else (wg or ""),
                    role,
                    p["stakeholder_type"],
                    p["institution"],
                    p["name"],
                    p["position"],
                    p["gender"],
                    p["region"],
                    p["email"],
                ]

    return write_csv(COLUMNS, rows())


def _floor(countries, *, rows: int) -> float:
    """A plain bulk_create of the Expert and Membership objects the file describes.

    The objects are built before the clock starts; the clock stops once the one
    transaction is committed, as the import's is. The least any import of the file costs.
    """
    from django.db import transaction

    from compositions.models import Expert, Membership
    from nmg_registry.bulk_writes import BATCH_SIZE
    from nmg_registry.models import StakeholderType, WorkingGroup

    people = _people(countries, rows=rows)
    types = dict(StakeholderType.objects.values_list("slug", "pk"))
    groups = dict(WorkingGroup.objects.values_list("number", "pk"))
    experts, memberships = [], []
    for p in people:
        expert = Expert(
            country_id=p["country_id"],
            name=p["name"],
            institution=p["institution"],
            email=p["email"],
            position=p["position"],
            gender=p["gender"],
            region=p["region"],
            stakeholder_type_id=types.get(p["stakeholder_type"]),
        )
        experts.append(expert)
        memberships += [
            Membership(expert=expert, working_group_id=groups.get(wg), role=role)
            for wg, role in p["seats"]
        ]
    del people

    @transaction.atomic
    def create():
        Expert.objects.bulk_create(experts, batch_size=BATCH_SIZE)
        Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE)

    elapsed, _ = _timed(create)
    return elapsed


def _wipe() -> None:
    """Empty the composition tables and their history, so the next run starts as the first."""
    from django.db import connection, transaction

    from compositions.models import Expert, Membership

    tables = [model._meta.db_table for model in (Membership, Membership.history.model, Expert)] + [
        Expert.history.model._meta.db_table
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    _vacuum()


def _vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM" if connection.vendor == "sqlite" else "VACUUM ANALYZE")


if __name__ == "__main__":
    main()
