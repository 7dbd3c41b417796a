"""Writes of one expert at a time: the forms of a country's experts page."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from compositions.identity import expert_identity, same_identity_filter
from compositions.models import Expert, Membership
from nmg_registry import permissions
from nmg_registry.concurrency import lock_unchanged
from nmg_registry.models import Country, MirrorGroup, WorkingGroup


@dataclass(frozen=True)
class SeatInput:
    """A seat as a form gives it: `pk` of the stored seat it changes, None for a new one.
    `row` is the caller's key for the row, handed back with the errors of that row."""

    working_group: WorkingGroup | None
    mirror_group: MirrorGroup | None
    role: str
    pk: int | None = None
    row: object = None


EXPERT_FORM_FIELDS = ("name", "institution", "position", "gender", "region", "email")


@transaction.atomic
def create_expert(*, user, country: Country, values: dict, seats=()) -> Expert:
    """A new expert of `country` with their seats.

    `values` holds the expert's fields (name, institution, position, gender, region, email,
    stakeholder_type). Raises PermissionDenied unless the user may edit the country's
    experts, and ValidationError (by field, and under "seats" by row) when a rule is broken.
    """
    _check_may_edit(user, country)
    expert = Expert(country=country)
    _set_values(expert, values)
    _validate_expert(expert)
    _save_guarded(expert)
    _save_seats(expert, seats=list(seats), removed_ids=())
    return expert


@transaction.atomic
def update_expert(
    *, user, expert: Expert, version: str, values: dict, seats=(), removed_seat_ids=()
) -> Expert:
    """Change an expert and their seats, if nobody saved the expert since `version`.

    `seats` are the seats to keep or create (a `pk` changes that stored seat);
    `removed_seat_ids` the stored seats to delete. Seats the caller did not know of stay.
    Raises EditConflict, PermissionDenied or ValidationError; then nothing is written.
    """
    _check_may_edit(user, expert.country)
    current = _lock_expert(expert, version=version)
    _set_values(current, values)
    _validate_expert(current)
    _save_guarded(current)  # also bumps updated_at: seat changes count as a change
    _save_seats(current, seats=list(seats), removed_ids=set(removed_seat_ids))
    return current


@transaction.atomic
def remove_expert(*, user, expert: Expert, version: str) -> None:
    """Delete an expert and, with them, their seats (both kept in the history), if nobody
    saved the expert since `version` (the version the confirmation page showed).

    Raises PermissionDenied, or EditConflict when the expert changed meanwhile; then
    nothing is removed.
    """
    _check_may_edit(user, expert.country)
    current = _lock_expert(expert, version=version)
    # The cascade sends a signal per seat, so each removal is in the history with its user.
    current.delete()


def _lock_expert(expert: Expert, *, version: str) -> Expert:
    """The expert, locked, if still at the version the user's page showed (EditConflict if not)."""
    return lock_unchanged(
        Expert.objects.filter(country_id=expert.country_id),
        pk=expert.pk,
        version=version,
        label=f"The expert “{expert.name}”",
    )


def _check_may_edit(user, country) -> None:
    if not permissions.can_edit_experts(user, country):
        raise PermissionDenied(f"You may not change the experts of {country.name}.")


def _set_values(expert: Expert, values: dict) -> None:
    for name in EXPERT_FORM_FIELDS:
        if name in values:
            setattr(expert, name, (values[name] or "").strip())
    if "stakeholder_type" in values:
        expert.stakeholder_type = values["stakeholder_type"]


def _validate_expert(expert: Expert) -> None:
    """The field rules, then the identity rules as errors on the field that decides them."""
    try:
        expert.full_clean(exclude=["country"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(exc.error_dict) from None
    same = _same_person(expert)
    if same is None:
        return
    if expert.email:
        raise ValidationError(
            {
                "email": ValidationError(
                    f"{expert.country.name} already has an expert with this e-mail: {same.name}.",
                    code="duplicate",
                )
            }
        )
    else:
        raise ValidationError(
            {
                "name": ValidationError(
                    f"{expert.country.name} already has an expert of this name and "
                    "institution without an e-mail; give this person's e-mail to tell "
                    "them apart, or edit the existing record.",
                    code="duplicate",
                )
            }
        )


def _same_person(expert: Expert) -> Expert | None:
    """Another stored expert of the country with `expert`'s identity, if any."""
    others = Expert.objects.filter(country_id=expert.country_id).exclude(pk=expert.pk)
    key = expert_identity(expert)
    candidates = others.filter(same_identity_filter(expert))
    return next((other for other in candidates if expert_identity(other) == key), None)


def _save_guarded(expert: Expert) -> None:
    """Save; a duplicate that slipped in concurrently is a form error, not a crash."""
    try:
        with transaction.atomic():
            expert.save()
    except IntegrityError as exc:
        field_name = "email" if expert.email else "name"
        raise ValidationError(
            {field_name: "Another expert with this identity was saved meanwhile."}
        ) from exc


def _save_seats(expert: Expert, *, seats: list[SeatInput], removed_ids) -> None:
    """Apply the seat rows: each is checked against the model's rules and against the
    expert's other seats; an error names its row (`params["row"]`) and field."""
    stored = {m.pk: m for m in Membership.objects.filter(expert=expert)}
    removed = {pk for pk in removed_ids if pk in stored}
    rows = [seat for seat in seats if seat.pk is None or seat.pk in stored]
    kept_as_is = set(stored) - removed - {seat.pk for seat in rows}
    taken = {_seat_key(stored[pk]) for pk in kept_as_is}
    errors, planned = [], []
    for seat in rows:
        if seat.pk in removed:
            continue
        before = stored.get(seat.pk)
        membership = Membership(
            pk=seat.pk,
            expert=expert,
            working_group=seat.working_group,
            mirror_group=seat.mirror_group,
            role=seat.role,
        )
        try:
            membership.full_clean(
                exclude=["expert"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            errors.extend(
                _seat_error(message, seat, name)
                for name, messages in exc.message_dict.items()
                for message in messages
            )
            continue
        key = _seat_key(membership)
        if key in taken:
            errors.append(_seat_error(DUPLICATE_SEAT, seat, "working_group"))
            continue
        taken.add(key)
        if before is None or _seat_values(before) != _seat_values(membership):
            planned.append(membership)
    if errors:
        raise ValidationError({"seats": errors})
    for pk in removed:
        stored[pk].delete()
    try:
        with transaction.atomic():
            # Changed seats first free their old place, then new seats take theirs.
            for membership in sorted(planned, key=lambda m: m.pk is None):
                membership.save()
    except IntegrityError as exc:  # a seat given meanwhile by someone else
        raise ValidationError({"seats": [_seat_error(DUPLICATE_SEAT, None, None)]}) from exc


DUPLICATE_SEAT = "The expert already holds this seat (same working group and mirror group)."


def _seat_key(membership: Membership) -> tuple:
    return (membership.working_group_id, membership.mirror_group_id)


def _seat_values(membership: Membership) -> tuple:
    return (membership.working_group_id, membership.mirror_group_id, membership.role)


def _seat_error(message: str, seat: SeatInput | None, field_name: str | None):
    """A row's error: the row and field travel in params, for the form to place it."""
    return ValidationError(
        message,
        code="seat",
        params={"row": seat.row if seat else None, "field": field_name},
    )
