"""The shared behaviour of the import commands: every error printed, exit status 1 on error."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nmg_registry.tabular import ErrorList, ImportFailed, ImportSummary, limits


class ImportCommand(BaseCommand):
    """Base for `import_survey` and `import_composition`."""

    def read_file(self, path: str) -> bytes:
        """The file's bytes; a file past the upload limit is refused before it is read."""
        try:
            size = Path(path).stat().st_size
            if size > limits.max_upload_bytes():
                self.fail(
                    [
                        f"the file is {size / 2**20:.1f} MB; the limit is "
                        f"{limits.max_upload_bytes() // 2**20} MB"
                    ]
                )
            return Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc

    def fail(self, errors) -> None:
        """Print the errors (the first ones, saying so, when there are more) and the
        verdict on stderr, and exit with status 1."""
        errors = ErrorList(errors)
        for error in errors:
            self.stderr.write(str(error))
        if errors.more:
            self.stderr.write(errors.more)
        self.stderr.write(f"{errors.count_text()}; nothing was written.")
        sys.exit(1)

    def run_import(self, do_import) -> None:
        """Call `do_import()`; print its one-line summary, or every error and exit 1."""
        try:
            summary: ImportSummary = do_import()
        except ImportFailed as failed:
            self.fail(failed.errors)
        self.stdout.write(summary.line())
