"""Streaming writers of tables for spreadsheets: CSV (UTF-8 with a BOM) and XLSX.

Both take the localised header and an *iterator* of rows (tuples of str, int, date,
datetime or None) and never hold more than one batch of rows: the CSV is sent as it is
written, in chunks of :data:`CSV_ROWS_PER_CHUNK` rows; the XLSX is written by XlsxWriter
in ``constant_memory`` mode (each row goes to the sheet's file as it comes) into a
temporary file in the instance folder, which is unlinked as soon as it is complete and
streamed from its open handle, so nothing is left behind even if the download is cut.

Why XlsxWriter rather than openpyxl's write-only mode: it is the faster of the two, writes
dates as real date cells, and its ``constant_memory`` mode flushes every row to disk;
openpyxl stays a test dependency only, to read the files back independently.

Formula injection ("CSV injection"): a text cell that starts with ``= + - @``, a tab or a
carriage return would be run as a formula by a spreadsheet when opened (or when the cell
is edited, in an XLSX). Such a text gets an apostrophe in front (:func:`neutralised`),
in both formats, so that the spreadsheet shows it as text. Numbers and dates are never
text and are written as they are.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_ROWS_PER_CHUNK = 500
FILE_CHUNK_BYTES = 64 * 1024
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = str | int | date | datetime | None


def neutralised(value: Cell) -> Cell:
    """``value``, with a text that a spreadsheet would run as a formula made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_text(value: Cell) -> str:
    value = neutralised(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[bytes]:
    """The CSV's bytes, piece by piece: the BOM and the header first, then the rows in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_text(name) for name in header])
    yield (BOM + buffer.getvalue()).encode("utf-8")
    pending = 0
    for row in rows:
        if pending == 0:
            buffer.seek(0)
            buffer.truncate()
        writer.writerow([_csv_text(value) for value in row])
        pending += 1
        if pending == CSV_ROWS_PER_CHUNK:
            yield buffer.getvalue().encode("utf-8")
            pending = 0
    if pending:
        yield buffer.getvalue().encode("utf-8")


def _write_xlsx(path: Path, sheet_name: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    workbook = xlsxwriter.Workbook(str(path), {
        "constant_memory": True, "tmpdir": str(path.parent), "strings_to_formulas": False,
        "strings_to_urls": False, "strings_to_numbers": False, "remove_timezone": True,
    })
    try:
        sheet = workbook.add_worksheet(sheet_name[:31])
        bold = workbook.add_format({"bold": True})
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for column, name in enumerate(header):
            sheet.write_string(0, column, str(name), bold)
        sheet.freeze_panes(1, 0)
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                value = neutralised(value)
                if value is None or value == "":
                    continue
                if isinstance(value, datetime):
                    sheet.write_datetime(number, column, value, moment)
                elif isinstance(value, date):
                    sheet.write_datetime(number, column, datetime(value.year, value.month, value.day), day)
                elif isinstance(value, bool):
                    sheet.write_boolean(number, column, value)
                elif isinstance(value, int):
                    sheet.write_number(number, column, value)
                else:
                    sheet.write_string(number, column, str(value))
    finally:
        workbook.close()


def xlsx_chunks(directory: str | os.PathLike, sheet_name: str, header: Sequence[str],
                rows: Iterable[Sequence[Cell]]) -> Iterator[bytes]:
    """The XLSX's bytes, piece by piece, once the whole workbook is written to a temporary file.

    The file lives in ``directory`` (the instance folder) only while it is written: it is
    opened, unlinked, then read from the open handle.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix="export-", suffix=".xlsx", dir=folder)
    os.close(descriptor)
    path = Path(name)
    try:
        _write_xlsx(path, sheet_name, header, rows)
        handle = path.open("rb")
    finally:
        path.unlink(missing_ok=True)
    with handle:
        while chunk := handle.read(FILE_CHUNK_BYTES):
            yield chunk
