"""Spreadsheet import screens in the admin: upload, preview of every change, confirm.

The screens are a door to the staged-upload engine (`nmg_registry.imports`), which keeps
the upload between preview and confirmation and runs the import its kind registered. The
preview is computed again from the stored file when shown, so it describes the database as
it is at that moment.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from nmg_registry import imports, permissions
from nmg_registry.models import PendingImport
from nmg_registry.tabular import ImportFailed, PlanChanged

# Another person's upload, or one imported already: not even its existence is shown.
NO_SUCH_UPLOAD = "No upload of yours is waiting with that number."


class SpreadsheetUploadForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text="CSV (UTF-8, comma or semicolon separated) or XLSX.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.NMG_MAX_UPLOAD_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{settings.NMG_MAX_UPLOAD_MB} MB."
            )
        return upload


class SpreadsheetImportAdminMixin:
    """Adds /import/ and /import/<id>/ to a ModelAdmin. Subclasses set `import_kind` (a kind
    of file its app registered with `nmg_registry.imports`), `import_title` and
    `import_form_class`, and implement `import_options`.
    """

    import_kind: str
    import_title: str
    import_form_class = SpreadsheetUploadForm
    change_list_template = "admin/change_list_with_import.html"

    def import_options(self, form) -> dict:
        """The form's options as JSON-able values, stored with the pending upload."""
        return {}

    def export_links(self, request) -> list[dict]:
        """Download links shown beside the import button: [{"url": …, "label": …}]."""
        return []

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="{}_{}_import".format(*info),
            ),
            path(
                "import/<uuid:pending_id>/",
                self.admin_site.admin_view(self.confirm_import_view),
                name="{}_{}_import_confirm".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_import": permissions.can_manage_registry(request.user),
            "import_title": self.import_title,
            "export_links": self.export_links(request),
        }
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        self._refuse_unless_staff(request)
        form = self.import_form_class(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data, options = upload.read(), self.import_options(form)
            try:
                pending, _ = imports.upload(
                    user=request.user,
                    kind=self.import_kind,
                    filename=upload.name,
                    data=data,
                    options=options,
                )
            except ImportFailed as failed:
                errors = failed.errors
            else:
                return redirect(self._url("import_confirm", pending.pk))
        return self._render(request, form=form, errors=errors)

    def confirm_import_view(self, request, pending_id):
        self._refuse_unless_staff(request)
        pending = get_object_or_404(PendingImport, pk=pending_id, kind=self.import_kind)
        if not permissions.can_confirm_import(request.user, pending):
            raise Http404(NO_SUCH_UPLOAD)
        try:
            if request.method != "POST":
                summary = imports.preview(pending, user=request.user)
                return self._render(request, pending=pending, summary=summary)
            # A confirmation applies the plan it was shown, or nothing.
            summary = imports.confirm(
                pending, user=request.user, previewed=request.POST.get("plan", "")
            )
        except imports.UploadNotWaiting:
            # Confirmed at the same moment from another window: that one imported it.
            raise Http404(NO_SUCH_UPLOAD) from None
        except ImportFailed as failed:
            # The database changed since the preview in a way that makes the file invalid.
            return self._render(request, pending=pending, errors=failed.errors)
        except PlanChanged as changed:
            messages.warning(
                request,
                "The registry changed since your preview; check the changes again and confirm. "
                "Nothing was written.",
            )
            return self._render(request, pending=pending, summary=changed.summary)
        messages.success(request, f"Imported {pending.filename}. {summary.line()}")
        return redirect(self._url("changelist"))

    def _refuse_unless_staff(self, request):
        if not permissions.can_manage_registry(request.user):
            raise PermissionDenied("Only WP6 staff may import spreadsheets.")

    def _url(self, name, *args):
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}",
            args=args,
            current_app=self.admin_site.name,
        )

    def _render(self, request, *, form=None, pending=None, summary=None, errors=()):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": self.import_title,
            "form": form,
            "pending": pending,
            "errors": errors,
            **imports.preview_context(summary),
            "upload_url": self._url("import"),
            "changelist_url": self._url("changelist"),
        }
        return TemplateResponse(request, "admin/spreadsheet_import.html", context)
