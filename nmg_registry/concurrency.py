"""No lost updates (DESIGN section 8).

A form carries the version of the record it was opened on (its `updated_at`, which every
service and import bumps). Saving locks the row, compares the versions and, when somebody
else saved meanwhile, refuses with an `EditConflict` that says who changed what and when,
read from the record's history. The form then shows the message and the current values.
"""

from datetime import UTC, datetime

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from nmg_registry import wording
from nmg_registry.wording import FieldChange

VERSION_FIELD = "version"


class EditConflict(Exception):
    """The record changed after the form was opened; nothing was saved."""

    def __init__(
        self,
        *,
        label: str,
        changed_by: str,
        changed_at,
        changes: list[FieldChange],
        removed: bool = False,
    ):
        self.label = label
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.changes = changes
        self.removed = removed  # the record no longer exists: there is nothing to re-show
        super().__init__(self.message)

    @property
    def summary(self) -> str:
        """Who changed (or removed) the record, when and how; the caller says what happens
        next."""
        text = wording.changed_sentence(
            label=self.label, by=self.changed_by, at=self.changed_at, removed=self.removed
        )
        text += " while you were editing it, so your changes were not saved."
        if self.changes:
            text += f" Their changes: {wording.listed_changes(self.changes)}."
        return text

    @property
    def message(self) -> str:
        """For a form re-shown with the record's current values; for a removed record, just
        what happened."""
        if self.removed:
            return self.summary
        return (
            self.summary
            + " The form now shows the current values: apply your changes again and save."
        )


def version_of(obj) -> str:
    """The version a form hands back on save: the record's last-saved time."""
    stamp = getattr(obj, "updated_at", None)
    return stamp.isoformat() if stamp else ""


def lock_unchanged(queryset, *, pk, version: str, label: str | None = None):
    """The row `pk`, locked for this transaction, if it is still at `version`.

    Raises `EditConflict` when it was saved since, or removed (`removed` set); the caller's
    transaction writes nothing. A version that is not one (a forged or garbled form) is stale.
    """
    obj = _locked(queryset, pk=pk, label=label)
    if version_of(obj) != (version or ""):
        raise _conflict(obj, since=_parse_version(version), label=label)
    return obj


def changed_meanwhile(obj, *, label: str | None = None) -> EditConflict:
    """The conflict to raise when `obj`, locked, no longer holds what a form showed: who
    changed it last and how, from its history. For records that carry no version."""
    return _conflict(obj, since=None, label=label)


def _locked(queryset, *, pk, label: str | None):
    try:
        return queryset.select_for_update().get(pk=pk)
    except queryset.model.DoesNotExist:
        raise _removal(queryset.model, pk=pk, label=label) from None


def _parse_version(version: str | None) -> datetime | None:
    """The time a version names, None for anything else (then the history's latest change
    is reported)."""
    try:
        since = parse_datetime(version) if version else None
        if since is None:
            return None
        if timezone.is_naive(since):
            since = timezone.make_aware(since, UTC)
        since.astimezone(UTC)  # a time the database can store
    except (ValueError, OverflowError):
        return None
    return since


def _removal(model, *, pk, label: str | None) -> EditConflict:
    """The conflict for a record removed since the form was opened: who removed it, if its
    history says so."""
    label = label or f"This {model._meta.verbose_name}"
    history = getattr(model, "history", None)
    removal = None
    if history is not None:
        removal = (
            history.filter(**{model._meta.pk.attname: pk}, history_type="-")
            .order_by("-history_date", "-history_id")
            .first()
        )
    if removal is None:
        return EditConflict(
            label=label, changed_by=wording.SOMEONE, changed_at=None, changes=[], removed=True
        )
    return EditConflict(
        label=label,
        changed_by=_who(removal),
        changed_at=removal.history_date,
        changes=[],
        removed=True,
    )


def _conflict(obj, *, since: datetime | None, label: str | None) -> EditConflict:
    history = getattr(obj, "history", None)
    latest = (
        history.order_by("-history_date", "-history_id").first() if history is not None else None
    )
    if latest is None:
        return EditConflict(
            label=label or str(obj), changed_by=wording.SOMEONE, changed_at=None, changes=[]
        )
    # The history rows copy `updated_at`, so the version names the row the form was opened on.
    before = history.filter(updated_at=since).order_by("-history_id").first() if since else None
    if before is None:
        before = latest.prev_record
    return EditConflict(
        label=label or str(obj),
        changed_by=_who(latest),
        changed_at=latest.history_date,
        changes=_changes(obj, before, latest),
    )


def _who(record) -> str:
    return wording.author(record.history_user)


def _changes(obj, before, after) -> list[FieldChange]:
    if before is None or before.pk == after.pk:
        return []
    delta = after.diff_against(before, excluded_fields=["updated_at", "created_at"])
    changes = []
    for change in delta.changes:
        shown = wording.value_reader_of(type(obj), change.field)
        label = wording.field_label(type(obj), change.field)
        changes.append(FieldChange(label, shown(change.old), shown(change.new)))
    return changes


class VersionedFormMixin:
    """Adds the hidden version field to a model form and fills it from the instance."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[VERSION_FIELD] = forms.CharField(widget=forms.HiddenInput, required=False)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk and not self.is_bound:
            self.initial[VERSION_FIELD] = version_of(instance)

    @property
    def submitted_version(self) -> str:
        return self.cleaned_data.get(VERSION_FIELD, "") if hasattr(self, "cleaned_data") else ""


def versioned_model_form(form_class):
    """`form_class` carrying the record's version and refusing, in `clean()`, to save over a
    change made since the form was opened. For the admin, whose change view runs in a
    transaction, so the row stays locked from the check to the save."""

    class VersionedModelForm(VersionedFormMixin, form_class):
        version = forms.CharField(widget=forms.HiddenInput, required=False)

        def clean(self):
            cleaned = super().clean()
            if self.instance.pk:
                self._check_version(cleaned.get(VERSION_FIELD, ""))
            return cleaned

        def _check_version(self, version: str) -> None:
            rows = type(self.instance)._default_manager.all()
            try:
                lock_unchanged(rows, pk=self.instance.pk, version=version)
            except EditConflict as conflict:
                if conflict.removed:
                    raise forms.ValidationError(conflict.summary, code="removed") from conflict
                # The page shows what changed; the next save, now informed, goes through.
                current = rows.get(pk=self.instance.pk)
                self.data = self.data.copy()
                self.data[self.add_prefix(VERSION_FIELD)] = version_of(current)
                message = conflict.summary + " Saving again keeps what this form holds now."
                raise forms.ValidationError(message, code="conflict") from conflict

    VersionedModelForm.__name__ = form_class.__name__
    return VersionedModelForm


def is_versioned(model) -> bool:
    """Whether the model's rows carry the `updated_at` that versions them."""
    return any(field.name == "updated_at" for field in model._meta.concrete_fields)
