"""The two escapes a cell's text goes through on its way out, each undone on the way in, so
that every value the registry holds survives an export and a re-import unchanged.

- CSV has no cell types: a value that a spreadsheet would run as a formula gets Excel's
  "text as typed" apostrophe in front. The rule is decided on the text after any leading
  apostrophes, so a value that itself starts with apostrophes gets one more, and the import
  strips exactly one exactly when the export added one.
- XLSX cannot hold control characters (XML 1.0 refuses them), nor keep a carriage return.
  They are written as Excel writes them, `_xHHHH_`, and an underscore that would read as
  such an escape is itself escaped (`_x005F_`), as Excel does. The XLSX import decodes both.
"""

import re

# A cell starting with one of these would be taken as a formula by a spreadsheet program.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# CSV has no cell types: the apostrophe is the prefix Excel itself uses for "text as typed".
TEXT_PREFIX = "'"


def needs_text_prefix(text: str) -> bool:
    """Whether the CSV export puts an apostrophe before `text`."""
    return text.lstrip(TEXT_PREFIX).startswith(FORMULA_TRIGGERS)


def add_text_prefix(text: str) -> str:
    return TEXT_PREFIX + text if needs_text_prefix(text) else text


def strip_text_prefix(text: str) -> str:
    """Undo `add_text_prefix`: one apostrophe, only where the export would have put one."""
    if text.startswith(TEXT_PREFIX) and needs_text_prefix(text[1:]):
        return text[1:]
    return text


# Characters XML 1.0 cannot carry, and the carriage return, which XML reads as a line feed.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def escape_xlsx_text(text: str) -> str:
    """Text as an XLSX string cell holds it; `unescape_xlsx_text` gives it back."""
    if "_x" in text:
        text = text.replace("_x", "_x005F_x")
    if _NOT_IN_XML.search(text):
        text = _NOT_IN_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text


def unescape_xlsx_text(text: str) -> str:
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
