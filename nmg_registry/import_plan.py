"""The plan of a file import, whatever the file: per model, the records to create, update
and remove and how many stay as they are; the preview's lines; and the summary whose
fingerprint a confirmation hands back (nmg_registry.imports). Each app's import fills one
and writes it with `bulk_writes.BulkWriter`."""

from nmg_registry.tabular import Change, ImportSummary


class ModelWrites:
    """The planned writes of one model. `updated_fields` are the fields the updates change."""

    def __init__(self):
        self.created: list = []
        self.updated: list = []
        self.updated_fields: set[str] = set()
        self.removed: list = []
        self.unchanged = 0


class ImportPlan:
    """What an import will do, model by model (in the order the summary names them), and
    the preview line of every change."""

    def __init__(self):
        self.changes: list[Change] = []
        self.models: dict[str, ModelWrites] = {}

    def writes_of(self, label: str) -> ModelWrites:
        """The planned writes of the model the summary calls `label` ("experts")."""
        return self.models.setdefault(label, ModelWrites())

    def note(self, action: str, model: str, description: str, line: int | None = None) -> None:
        """A line of the preview: `action` "create", "update" or "remove" of a `model`."""
        self.changes.append(Change(action, model, description, line))

    def summary(self, *, dry_run: bool) -> ImportSummary:
        summary = ImportSummary(dry_run=dry_run, changes=self.changes)
        for label, writes in self.models.items():
            counts = summary.for_model(label)
            counts.created, counts.updated = len(writes.created), len(writes.updated)
            counts.unchanged, counts.removed = writes.unchanged, len(writes.removed)
        return summary
