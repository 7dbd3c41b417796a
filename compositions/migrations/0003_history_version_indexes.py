"""Indexes on (id, history_date, history_id) of the experts' and seats' history: the lookup
of a record's latest version at a moment (`nmg_registry.moments.latest_versions`) then reads
the index alone. On SQLite this halves an `as_of` summary's expert count and takes a quarter
off its seat count at 100,000 experts (docs/performance.md).

RunSQL without state: simple_history generates the historical models, whose Meta does not
declare the index, so an AddIndex would have makemigrations propose to remove it again.
"""

from django.db import migrations

INDEXES = [
    ("compositions_hexpert_id_date", "compositions_historicalexpert"),
    ("compositions_hmember_id_date", "compositions_historicalmembership"),
]


class Migration(migrations.Migration):
    dependencies = [("compositions", "0002_expert_email_validator")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX {name} ON {table} (id, history_date, history_id)",
            reverse_sql=f"DROP INDEX {name}",
        )
        for name, table in INDEXES
    ]
