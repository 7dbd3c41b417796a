"""Admins that write a record through its service, as the site's pages do.

The record's service holds its rules (permission, validation, version): the admin hands it
the form's values instead of saving the form. A refusal rolls the admin's transaction back
and shows the form again with the service's message, or, for a removal, an error message
above the list: nothing is written, and no refusal is a server error.
"""

from contextlib import contextmanager

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect

from nmg_registry.concurrency import EditConflict
from nmg_registry.views import add_service_errors

# The request attribute marking a change form's view (not a revert to a past version, which
# staff write over the record as it was, outside the services' rules).
THROUGH_SERVICE = "_nmg_through_service"
# The request attribute that carries a refusal from the failed save to the form shown again.
REFUSAL = "_nmg_service_refusal"


class ServiceRefused(Exception):
    """The service refused the admin's write; `error` says why, as a form shows it."""

    def __init__(self, error: ValidationError):
        self.error = error
        super().__init__(" ".join(error.messages))


def as_form_error(refusal) -> ValidationError:
    """A service's refusal in the words of the site's pages."""
    if isinstance(refusal, EditConflict):
        return ValidationError(refusal.summary, code="conflict")
    if isinstance(refusal, PermissionDenied):
        return ValidationError(str(refusal) or "You may not change this record.", code="denied")
    return refusal


@contextmanager
def through_service():
    """Turns the service's refusals into `ServiceRefused`, which the admin's views answer."""
    try:
        yield
    except (ValidationError, EditConflict, PermissionDenied) as refusal:
        raise ServiceRefused(as_form_error(refusal)) from refusal


def checked_by_service(form_class):
    """`form_class` leaving the record's constraints (unique and check) to the service,
    which words them as the site's pages do; Django's form would say them first, in the
    words of the database's constraints."""

    class ServiceCheckedForm(form_class):
        def _post_clean(self):
            self.instance.validate_constraints = skip_constraints
            try:
                super()._post_clean()
            finally:
                del self.instance.validate_constraints

        def validate_unique(self):
            pass

    ServiceCheckedForm.__name__ = form_class.__name__
    return ServiceCheckedForm


def skip_constraints(exclude=None) -> None:
    """Stands in for the model's constraint check in a form whose service checks them."""


def with_refusal(form_class, error: ValidationError):
    """`form_class` showing the service's refusal once its own checks pass."""

    class RefusedForm(form_class):
        def _post_clean(self):
            super()._post_clean()
            add_service_errors(self, error)

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm


def mark_written(formsets) -> None:
    """The inlines the service wrote: Django's change message reads what a formset saved."""
    for formset in formsets:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class ServiceWritesAdmin:
    """Mixed into a policy admin whose record has a service.

    A subclass writes in `write(request, form, formsets, change)` (returning the saved
    record) and removes in `remove(request, obj)`, calling the service; inline formsets it
    leaves to Django are listed by `saved_by_django(formset)`.
    """

    def write(self, request, form, formsets, change):
        raise NotImplementedError

    def remove(self, request, obj) -> None:
        raise NotImplementedError

    # Whether the service checks the record's uniqueness rules (else the form does).
    service_checks_uniqueness = True

    def saved_by_django(self, formset) -> bool:
        return False

    def version_shown(self, form) -> str:
        """The record's version as the change form was opened."""
        return form.submitted_version if hasattr(form, "submitted_version") else ""

    # Saving

    def save_model(self, request, obj, form, change):
        """In the change form, nothing yet: the service writes the record with its inlines
        in `save_related`."""
        if not getattr(request, THROUGH_SERVICE, False):
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        through = [formset for formset in formsets if not self.saved_by_django(formset)]
        with through_service():
            saved = self.write(request, form, through, change)
        mark_written(through)
        form.instance.pk = saved.pk  # the add view's answer links to the new record
        form.save_m2m()
        for formset in formsets:
            if self.saved_by_django(formset):
                self.save_formset(request, form, formset, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        setattr(request, THROUGH_SERVICE, True)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # The view's transaction was rolled back: show the same form with the refusal.
            setattr(request, REFUSAL, refused.error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if self.service_checks_uniqueness and getattr(request, THROUGH_SERVICE, False):
            form = checked_by_service(form)
        refusal = getattr(request, REFUSAL, None)
        return form if refusal is None else with_refusal(form, refusal)

    # Removing

    def delete_model(self, request, obj):
        with through_service():
            self.remove(request, obj)

    def delete_queryset(self, request, queryset):
        """Each record through the service: one refusal and none is removed."""
        with through_service():
            for obj in queryset:
                self.remove(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceRefused as refused:
            self.refuse(request, refused)
            return redirect(request.get_full_path())  # the confirmation, as things are now

    def response_action(self, request, queryset):
        try:
            with transaction.atomic():
                return super().response_action(request, queryset)
        except ServiceRefused as refused:
            self.refuse(request, refused)
            return None  # the list shows the message

    def refuse(self, request, refused: ServiceRefused) -> None:
        self.message_user(request, f"{refused} Nothing was removed.", messages.ERROR)
