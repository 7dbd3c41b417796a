"""The shared behaviour of the import commands: every error printed, exit status 1 on error."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nmg_registry.tabular import ImportFailed, ImportSummary


class ImportCommand(BaseCommand):
    """Base for `import_survey` and `import_composition`."""

    def read_file(self, path: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc

    def run_import(self, do_import) -> None:
        """Call `do_import()`; print its one-line summary, or every error and exit 1."""
        try:
            summary: ImportSummary = do_import()
        except ImportFailed as failed:
            for error in failed.errors:
                self.stderr.write(str(error))
            count = len(failed.errors)
            self.stderr.write(f"{count} error{'s' if count != 1 else ''}; nothing was written.")
            sys.exit(1)
        self.stdout.write(summary.line())
