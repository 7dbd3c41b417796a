"""The seats at a past moment counted per (country code, working group number), for
`compositions.as_of`, in one statement that joins each seat to its expert's version then.

Why SQL of our own: a seat's country is its expert's country at that moment, read from the
expert's history. The ORM can only express that as a subquery per seat (the historical
tables have no relation to one another), which at 100,000 seats made an `as_of` summary
5x (SQLite) to 13x (PostgreSQL) the present one; a join of the latest versions is within
3x. The statement is assembled from ORM querysets compiled for the connection's database,
so it holds nothing vendor-specific: joins of subqueries, COALESCE, GROUP BY, UNION ALL.
"""

import datetime

from django.db import connection
from django.db.models import F, QuerySet

from compositions.models import Expert, Membership
from nmg_registry.models import MirrorGroup, WorkingGroup
from nmg_registry.moments import latest_versions, versions_as_of

Statement = tuple[str, tuple]


def past_seat_counts(at: datetime.datetime, codes=None) -> Statement:
    """The seats at `at` (of countries `codes` when given and not empty) grouped by (code,
    number) with their number `n`. A seat's country is its expert's in the expert's latest
    version at `at` (a removal included, as `seats_at` reads it); its number its working
    group's, or else the one its mirror group mirrored then."""
    seats, seat_params = compiled(
        versions_as_of(Membership, at).values("expert_id", "working_group_id", "mirror_group_id")
    )
    experts, expert_params = compiled(
        latest_versions(Expert, at).annotate(code=F("country__code")).values("id", "code")
    )
    mirrors, mirror_params = compiled(
        versions_as_of(MirrorGroup, at)
        .annotate(number=F("working_group__number"))
        .values("id", "number")
    )
    q = connection.ops.quote_name
    number = f"COALESCE({q('wg')}.{q('number')}, {q('mirror')}.{q('number')})"
    code = f"{q('expert')}.{q('code')}"
    codes = () if codes is None else tuple(codes)
    where = f" WHERE {code} IN ({', '.join(['%s'] * len(codes))})" if codes else ""
    sql = (
        f"SELECT {code} AS {q('code')}, {number} AS {q('number')}, COUNT(*) AS {q('n')}"
        f" FROM ({seats}) {q('seat')}"
        f" LEFT JOIN ({experts}) {q('expert')}"
        f" ON {q('expert')}.{q('id')} = {q('seat')}.{q('expert_id')}"
        f" LEFT JOIN {q(WorkingGroup._meta.db_table)} {q('wg')}"
        f" ON {q('wg')}.{q('id')} = {q('seat')}.{q('working_group_id')}"
        f" LEFT JOIN ({mirrors}) {q('mirror')}"
        f" ON {q('mirror')}.{q('id')} = {q('seat')}.{q('mirror_group_id')}"
        f"{where} GROUP BY {code}, {number}"
    )
    return sql, (*seat_params, *expert_params, *mirror_params, *codes)


def each_part(parts: list[Statement | None]) -> Statement | None:
    """The parts' rows in one statement (UNION ALL), each ending with its part's index; a
    part None has no rows (None when no part has)."""
    q = connection.ops.quote_name
    numbered = [(index, part) for index, part in enumerate(parts) if part is not None]
    selects = [
        f"SELECT {q('code')}, {q('number')}, {q('n')}, {index} FROM ({sql}) {q(f'part{index}')}"
        for index, (sql, _params) in numbered
    ]
    params = tuple(p for _index, (_sql, part_params) in numbered for p in part_params)
    return (" UNION ALL ".join(selects), params) if numbered else None


def rows(statement: Statement | None) -> list[tuple]:
    """The statement's rows (none for None: nothing to ask)."""
    if statement is None:
        return []
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def compiled(queryset: QuerySet) -> Statement:
    """The queryset's SQL and parameters, as the connection's database reads them (without
    the historical models' default ordering, which has no place in a subquery)."""
    return queryset.order_by().query.sql_with_params()
