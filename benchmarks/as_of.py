"""How much an `as_of` composition summary costs against the present-day one.

    .venv/bin/python -m benchmarks.as_of               # SQLite; PostgreSQL too with DATABASE_URL
    .venv/bin/python -m benchmarks.as_of --rows 250000 # about 100,000 experts, two files a round

Builds a history of five composition imports (`import_composition --as-of`, a year apart,
each changing a fifth of the people's positions and, with `--replace`, leaving out a
twentieth of them and bringing back those left out before), then times
`composition_summary()` now and as of the third import. The target: an `as_of` summary at
most 3x the present one at 100,000 experts with five imports of history. Runs on a
throwaway database as `benchmarks.imports` does; not part of the test suite.
"""

import argparse
import datetime
import os
import random
import subprocess
import sys
import zoneinfo

from benchmarks.imports import (
    BASE_DIR,
    SEED,
    _countries,
    _csv,
    _people,
    _runs,
    _server_version,
    _targets,
    _timed,
    _vacuum,
    on_throwaway_database,
)

IMPORTS = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="rows of each file")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each summary; best counts")
    parser.add_argument("--backend", choices=["auto", "sqlite", "postgres"], default="auto")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        on_throwaway_database(lambda: _measure(rows=args.rows, repeat=args.repeat))
        return
    for label, url in _targets(args.backend):
        print(f"\n## {label}\n", flush=True)
        command = [sys.executable, "-m", "benchmarks.as_of", "--child"]
        command += ["--rows", str(args.rows), "--repeat", str(args.repeat)]
        subprocess.run(command, env={**os.environ, "DATABASE_URL": url}, cwd=BASE_DIR, check=True)


def _measure(*, rows: int, repeat: int) -> None:
    from analytics.selectors import composition_summary
    from compositions.models import Expert, Membership
    from compositions.services.file_import import import_composition
    from nmg_registry.moments import Moment

    zone = zoneinfo.ZoneInfo(settings_zone())
    countries = _countries()
    people = _people(countries, rows=rows)
    rng = random.Random(SEED)
    dates = [datetime.datetime(2020 + year, 6, 1, tzinfo=zone) for year in range(IMPORTS)]
    print(f"database: {_connection_vendor()} {_server_version()}")
    for number, date in enumerate(dates, 1):
        for person in rng.sample(people, len(people) // 5):
            person["position"] = f"Position {number}"
        kept = [p for p in people if rng.random() > 0.05]
        for part, files in enumerate(_files_by_country(kept, rows=rows), 1):
            elapsed, summary = _timed(
                lambda files=files, date=date: import_composition(
                    data=_csv(files), filename=f"{date.year}.csv", replace=True, as_of=date
                )
            )
            print(f"import {number}.{part} dated {date.date()}: {elapsed:.1f} s; {summary.line()}")
    _vacuum()
    print(
        f"now: {Expert.objects.count():,} experts, {Membership.objects.count():,} seats; "
        f"history: {Expert.history.count():,} expert and {Membership.history.count():,} "
        "seat versions"
    )
    moment = Moment(at=dates[2] + datetime.timedelta(days=1))
    present = [_timed(composition_summary)[0] for _ in range(repeat)]
    past = [_timed(lambda: composition_summary(moment=moment))[0] for _ in range(repeat)]
    print(f"present-day summary: {min(present):.3f} s {_runs(present)}")
    print(f"summary as of {moment.at.date()}: {min(past):.3f} s {_runs(past)}")
    print(f"ratio as_of / present: {min(past) / min(present):.2f} (target: at most 3)")


def _files_by_country(people: list[dict], *, rows: int) -> list[list[dict]]:
    """The people in as few files as the import's line limit allows, each country whole in
    one file, so that `--replace` means the same as one file of everyone."""
    from nmg_registry.tabular.limits import MAX_ROWS

    files = -(-rows // (MAX_ROWS * 9 // 10))  # a tenth to spare below the limit
    return [[p for p in people if p["country_id"] % files == part] for part in range(files)]


def settings_zone() -> str:
    from django.conf import settings

    return settings.TIME_ZONE


def _connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


if __name__ == "__main__":
    main()
