"""Spreadsheet files built byte by byte, hostile ones included: an XLSX is a zip of XML parts,
so each case is a few strings. Shared by the reader's tests and the import doors' tests."""

import io
import struct
import zipfile

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL_TYPE}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
EXTERNAL_ENTITY = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
BILLION_LAUGHS = (
    "<!DOCTYPE x ["
    '<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + "]>"
)


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def row(number: int, *cells: str, attrs: str = "") -> str:
    return f'<row r="{number}"{attrs}>{"".join(cells)}</row>'


def header(*names: str) -> str:
    """Line 1 naming the columns A, B, …"""
    return row(1, *(inline(f"{chr(65 + i)}1", name) for i, name in enumerate(names)))


def sheet_xml(*rows: str, dimension: str = "A1:B2", prolog: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{NS}">'
        f'<dimension ref="{dimension}"/><sheetData>{"".join(rows)}</sheetData></worksheet>'
    )


def workbook_xml(*sheet_names: str, prolog: str = "") -> str:
    sheets = "".join(
        f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(sheet_names, start=1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        f'<workbook xmlns="{NS}" xmlns:r="{REL_NS}"><sheets>{sheets}</sheets></workbook>'
    )


def workbook_rels(sheet_count: int, *, shared_strings: bool = True, prolog: str = "") -> str:
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL_TYPE}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, sheet_count + 1)
    )
    if shared_strings:
        rels += (
            f'<Relationship Id="rId{sheet_count + 1}" Type="{REL_TYPE}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{rels}</Relationships>"
    )


def shared_strings_xml(*texts: str, prolog: str = "") -> str:
    items = "".join(f"<si><t>{t}</t></si>" for t in texts)
    return f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<sst xmlns="{NS}">{items}</sst>'


def zip_of(parts: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def xlsx(
    *sheets: str,
    names: tuple[str, ...] = (),
    shared: str | None = None,
    workbook: str | None = None,
    rels: str | None = None,
    extra: dict | None = None,
    omit: tuple[str, ...] = (),
) -> bytes:
    """A workbook of the given sheet parts (XML text), in order."""
    names = names or tuple(f"Sheet{i}" for i in range(1, len(sheets) + 1))
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": workbook or workbook_xml(*names),
        "xl/_rels/workbook.xml.rels": rels or workbook_rels(len(sheets)),
        **{f"xl/worksheets/sheet{i}.xml": s for i, s in enumerate(sheets, start=1)},
        "xl/sharedStrings.xml": shared or shared_strings_xml(),
        **(extra or {}),
    }
    return zip_of({name: content for name, content in parts.items() if name not in omit})


def with_declared_size(data: bytes, member: str, size: int) -> bytes:
    """The archive with the uncompressed size its central directory states for `member`
    replaced: a file that lies about what it holds."""
    name = member.encode()
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        name_length = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if data[at + 46 : at + 46 + name_length] == name:
            return data[: at + 24] + struct.pack("<I", size) + data[at + 28 :]
        at += 4
