"""The shared behaviour of the import commands: every error printed, exit status 1 on error."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nmg_registry import imports
from nmg_registry.tabular import ErrorList, ImportFailed, limits


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

    def import_file(
        self, kind: str, path: str, *, options: dict, dry_run: bool, list_changes=False
    ):
        """Import the file through the engine every door uses (nmg_registry.imports), as the
        trusted command line; print its changes when asked and its one-line summary, or
        every error and exit 1."""
        data = self.read_file(path)
        try:
            summary = imports.run(
                kind, data=data, filename=Path(path).name, options=options, dry_run=dry_run
            )
        except ImportFailed as failed:
            self.fail(failed.errors)
        if list_changes:
            for change in summary.changes:
                self.stdout.write(f"line {change.line}: {change.description}")
        self.stdout.write(summary.line())
