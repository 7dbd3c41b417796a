"""The composition file import (DESIGN section 5).

The import is lenient on form and strict on meaning. It reads the whole file, reports every
problem at once, and writes nothing unless the file is clean. It is fast enough for 100,000
rows because it reads the stored composition of the file's countries in two queries,
matches people and seats in Python dictionaries, and writes (with history) in batches: the
number of queries does not grow with the number of rows until the batches fill.
"""

from django.db import transaction
from django.utils import timezone

from compositions.resources import (
    COLUMNS,
    EXPERT_COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    cell_widgets,
)
from compositions.services.import_plan import _Lookups, _plan
from compositions.services.import_rows import (
    _clean_rows,
    _Existing,
    _gather_people,
    _match_experts,
)
from compositions.services.import_write import _write, check_dated
from nmg_registry.bulk_writes import import_reason
from nmg_registry.moments import parse_as_of
from nmg_registry.tabular import (
    ErrorCollector,
    ImportFailed,
    ImportSummary,
    RowError,
    check_previewed,
    read_table,
)


@transaction.atomic
def import_composition(
    *,
    data: bytes,
    filename: str,
    replace: bool = False,
    dry_run: bool = False,
    user=None,
    only_countries=None,
    previewed: str | None = None,
    as_of=None,
) -> ImportSummary:
    """Upsert the experts and memberships of a composition file (CSV or XLSX).

    `replace` makes the file the whole composition of each country it names: experts and
    seats of those countries that the file leaves out are removed. `user` is the person
    acting through the web (their countries only); None is the trusted command line.
    `only_countries` (Country objects), when given, refuses every row of another country,
    even one the user may edit: a country's own upload page imports that country alone.
    `previewed`, when given, is the fingerprint of the preview the user confirmed:
    if the registry changed since so that the import would now make other changes, it
    raises PlanChanged with the new preview and writes nothing.
    `as_of` (an aware date-time in the past) records a composition received then: every
    version written is dated `as_of`, and a record with a later version refuses the import.
    Raises ImportFailed with every problem of the file; then nothing is written.
    """
    if as_of is not None and as_of > timezone.now():
        raise ImportFailed([RowError("the import's date (as of) is in the future")])
    table = read_table(
        data, filename=filename, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS
    )
    columns = [c for c in COLUMNS if c in table.columns]
    widgets = cell_widgets()
    errors = ErrorCollector(by_line=True)
    rows = _clean_rows(
        table.rows,
        columns=columns,
        widgets=widgets,
        user=user,
        only_countries=only_countries,
        errors=errors,
    )
    del table  # the cleaned rows replace it; a 100,000-row table is worth freeing
    people = _gather_people(rows, errors=errors)
    del rows
    existing = _Existing.load({person.country.id: person.country for person in people})
    matches = _match_experts(people, existing, errors=errors)
    errors.raise_if_any()
    plan = _plan(
        people,
        matches,
        existing,
        fields=[name for name in EXPERT_COLUMNS if name in columns],
        replace=replace,
        lookups=_Lookups.from_widgets(widgets),
    )
    if previewed is not None:
        check_previewed(plan.summary(dry_run=True), previewed)
    if not dry_run:
        _write(plan, user=user, reason=import_reason("composition", filename), as_of=as_of)
    elif as_of is not None:
        check_dated(plan, as_of=as_of)  # the preview refuses what the write would
    return plan.summary(dry_run=dry_run)


def import_upload(*, options, **import_args) -> ImportSummary:
    """The composition import as the staged-upload engine runs it (nmg_registry.imports):
    `options` say whether the file replaces its countries' compositions, and the date
    (`as_of`, as `?as_of=` reads it) the file was received, if in the past."""
    as_of = parse_as_of(options["as_of"]) if options.get("as_of") else None
    return import_composition(replace=bool(options.get("replace")), as_of=as_of, **import_args)
