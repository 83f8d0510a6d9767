"""``tracesift formats``: every reader, what it recognises, an example path."""

from __future__ import annotations

from tracesift.cli import app
from tracesift.cli.common import prints_rows, reports_errors
from tracesift.cli.output import Format, render


@app.command("formats")
@reports_errors
@prints_rows
def formats_command(fmt: Format = Format.table) -> None:
    """List the formats tracesift reads, how it recognises them, and an example path.

    Readers choose files by content, not by extension; a third-party reader
    registered under the `tracesift.readers` entry point appears here too.

    Example: tracesift formats --format json
    """
    from tracesift.readers import all_readers

    rows = [
        {"reader": r.name, "input": "folder" if r.reads_folders else "file", "reads": r.description,
         "example": r.example}
        for r in all_readers()
    ]
    render(rows, fmt, title="Formats tracesift reads")
