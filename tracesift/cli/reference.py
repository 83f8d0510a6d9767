"""The command reference in docs/cli.md, written from the commands themselves.

    python -m tracesift.cli.reference > docs/cli.md

A test compares docs/cli.md with this output, so the docs cannot drift from --help.
"""

from __future__ import annotations

import inspect

import typer.main

from tracesift.cli import app


def reference() -> str:
    group = typer.main.get_command(app)
    parts = ["# Command reference", "", "Generated from the commands' own help by "
             "`python -m tracesift.cli.reference`; `collapse-scan` is `tracesift scan`.", ""]
    context = group.context_class(group, info_name="tracesift")
    for name in sorted(group.commands):
        parts += _command(group.commands[name], name, context)
    return "\n".join(parts).rstrip() + "\n"


def _command(command, name: str, parent) -> list[str]:
    context = command.context_class(command, info_name=name, parent=parent)
    usage = " ".join(command.collect_usage_pieces(context))
    lines = [f"## `tracesift {name}`", "", "```", f"tracesift {name} {usage}", "```", ""]
    lines += [inspect.cleandoc(command.help or ""), ""]
    rows = [_param(p) for p in command.params if not getattr(p, "hidden", False)]
    if rows:
        lines += ["| argument or option | what it does |", "| --- | --- |"]
        lines += [f"| {flags} | {text} |" for flags, text in rows]
        lines.append("")
    return lines


def _param(param) -> tuple[str, str]:
    option = param.param_type_name == "option"
    names = [*param.opts, *param.secondary_opts] if option else [param.name.upper()]
    flags = ", ".join(f"`{name}`" for name in names)
    text = (getattr(param, "help", None) or "").replace("|", "\\|").replace("\n", " ")
    default = param.default
    if option and default not in (None, False, ()) and not param.is_flag:
        shown = getattr(default, "value", default)
        text += f" Default: `{shown}`."
    return flags, text.strip()


if __name__ == "__main__":
    print(reference(), end="")
