"""The command line: ``tracesift <command>`` and ``collapse-scan``.

Each command lives in its own module, parses its options, calls one library
function and renders the result through :mod:`tracesift.cli.output`.
"""

from __future__ import annotations

import typer

from tracesift import __version__

app = typer.Typer(
    name="tracesift",
    help="Post-hoc forensics for machine-learning traces: find where a training run collapsed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"tracesift {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Post-hoc forensics for machine-learning traces."""


from tracesift.cli import (  # noqa: E402,F401  (each registers itself)
    detectors,
    eval,
    formats,
    ingest,
    plot,
    query,
    report,
    scan,
    show,
    train_locator,
)
from tracesift.cli.output import show_plugin_warnings  # noqa: E402


def main() -> None:
    show_plugin_warnings()
    app()


def collapse_scan_main() -> None:
    show_plugin_warnings()
    scan.collapse_scan_main()
