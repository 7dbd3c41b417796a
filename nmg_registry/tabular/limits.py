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
# Lines of a CSV text before its header (blank ones): a real file has none or a few.
MAX_LINES_BEFORE_HEADER = 1_000
# Errors an import reports: past them it stops checking the file and says there are more.
MAX_ERRORS = 200
# What the parts of an XLSX read (workbook, sheet, shared strings, styles) may expand to,
# all together, however often a part is read (a 100,000-row composition is about 55 MB).
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
# How much an XLSX may expand, all its parts read together, against its own size: a real
# workbook compresses about 10 to 20 times, a zip bomb about 1,000 times. A file may unpack
# to RATIO_CHECKED_FROM_BYTES whatever its size; one part of that size or more is also held
# to the ratio on its own.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
# XML elements (cells, rows, values, anything) the parts of an XLSX may hold, all read
# together: the time to read a workbook follows them, empty ones included. They are counted
# as each part is unpacked, before it is parsed. A file may hold XML_ELEMENTS_PER_BYTE per
# byte of its own size (real compositions hold 0.6 to 1: 1 when every row is the same), at
# least MIN_XML_ELEMENTS (about 9,000 composition rows however well they compress), at
# most MAX_XML_ELEMENTS (a 200,000-row composition with every cell filled, as the export
# writes it, holds about 6.2 million).
XML_ELEMENTS_PER_BYTE = 2
MIN_XML_ELEMENTS = 250_000
MAX_XML_ELEMENTS = 8_000_000
# Parts (files) in an XLSX archive: a workbook has a dozen or so.
MAX_ARCHIVE_MEMBERS = 1_000
# Sheets of a workbook: each is a part of its own, never one shared by two sheets.
MAX_SHEETS = 100


def max_upload_bytes() -> int:
    """The largest file an import takes, through any door (NMG_MAX_UPLOAD_MB)."""
    return settings.NMG_MAX_UPLOAD_MB * 1024 * 1024
