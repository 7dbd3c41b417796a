"""The limits every uploaded spreadsheet is held to, in one place (the README lists them).

A file past any of them is refused whole with a message naming the limit, before it can
tie up a worker: each is well above what a real composition or responses file needs.
"""

from django.conf import settings

# The longest cell: the most an Excel cell itself can hold. Every real answer fits.
MAX_CELL_CHARS = 32_767
# Data lines of a file (the 100,000-row composition benchmark fits twice).
MAX_ROWS = 200_000
# Columns of a file: a responses file has one per question, a composition file ten.
MAX_COLUMNS = 500
# What the parts of an XLSX read (workbook, sheet, shared strings, styles) may expand to.
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
# How much one part may expand: a real sheet compresses about 10 to 20 times, a zip bomb
# about 1,000 times. Parts below a megabyte are not held to it.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
# Parts (files) in an XLSX archive: a workbook has a dozen or so.
MAX_ARCHIVE_MEMBERS = 1_000


def max_upload_bytes() -> int:
    """The largest file an import takes, through any door (NMG_MAX_UPLOAD_MB)."""
    return settings.NMG_MAX_UPLOAD_MB * 1024 * 1024
