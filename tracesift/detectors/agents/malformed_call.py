"""Malformed tool calls: arguments that are not JSON, tools that do not exist, required fields missing.

A call is malformed when

- its arguments look like JSON (they start with ``{`` or ``[``, or the other calls of the
  tool pass JSON) but do not parse;
- its tool is not one the agent has: not in ``known_tools`` (``[detectors.malformed_call]``)
  or in the tool schemas a format records (``labels.tools``: names, or OpenAI-style
  ``{"name", "parameters"}`` / ``{"function": {...}}`` entries), or the framework answered
  that the tool does not exist ("Tool 'browser' not found");
- it lacks a field the schema requires (``parameters.required``, or ``required_fields``
  entries written ``tool.field``), or the framework rejected its arguments ("validation
  error", "is not of type", "missing 1 required positional argument").

One ``warning`` per trajectory, at the first malformed call (``first_step`` is the call, or
the framework's error when no call step was recorded); the evidence lists every one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracesift.detectors.agent_steps import Action, View, excerpt, finding, parse_json, view
from tracesift.detectors.base import Detector, Trajectory
from tracesift.findings import Finding, SubjectType

NAME = "malformed_call"
NO_SUCH_TOOL = re.compile(r"tool '?[\w.-]+'? (?:was )?not found|unknown tool|no such tool|not a valid tool|invalid tool"
                          r"|tool [\w.-]+ does not exist|unrecognized tool", re.I)
BAD_ARGUMENTS = re.compile(r"validation errors? (?:parsing|for)|is not of type|missing \d+ required (?:positional )?"
                           r"argument|required property|missing required (?:field|argument|parameter)|invalid arguments?"
                           r"|unexpected keyword argument|failed to parse (?:tool )?arguments|arguments are not valid json",
                           re.I)


@dataclass(frozen=True)
class Params:
    known_tools: list[str] = ()
    """Every tool the agent has; empty: only schemas the format records, and the framework's own errors, say."""
    required_fields: list[str] = ()
    """Fields a tool's arguments must hold, written ``tool.field``."""


def judge(trajectory: Trajectory, params: Params) -> list[Finding]:
    v = view(trajectory)
    known, required = _schemas(v, params)
    problems = list(_problems(v, known, required))
    problems += [(i, v.responsible(i), f"the framework said: {excerpt(v.content[i], 120)}") for i in v.error_steps
                 if NO_SUCH_TOOL.search(v.content[i][:2000]) or BAD_ARGUMENTS.search(v.content[i][:2000])]
    if not problems:
        return []
    problems.sort(key=lambda p: p[0])
    step, agent, what = problems[0]
    more = len(problems) - 1
    return [finding(trajectory, NAME, "malformed_tool_call", "warning",
                    f"malformed tool call: {what}" + (f" ({more} more)" if more else ""), step=step, agent=agent,
                    score=float(len(problems)), evidence={
                        "problems": [{"step": s, "agent": a, "what": w} for s, a, w in problems[:50]],
                        "known_tools": sorted(known) if known else None,
                    })]


def _problems(v: View, known: set[str], required: dict[str, set[str]]):
    json_tools = {a.tool for a in v.actions if a.call is not None and isinstance(parse_json(v.arguments[a.call]), dict)}
    for action in v.actions:
        if action.call is None or v.kind[action.call] != "tool_call":
            continue
        text = v.arguments[action.call].strip()
        parsed = parse_json(text) if text else None
        where = (action.call, action.agent)
        looks_json = text[:1] in ("{", "[") or action.tool in json_tools
        if looks_json and parsed is None and (text or action.tool in json_tools):
            yield *where, f"{action.tool} arguments are not valid JSON: {excerpt(text, 80)}"
        elif known and action.tool and action.tool not in known:
            yield *where, f"{action.tool} is not a known tool"
        elif isinstance(parsed, dict) and (missing := sorted(required.get(action.tool, set()) - set(parsed))):
            yield *where, f"{action.tool} lacks required {', '.join(missing)}"
        elif (said := _rejected(v, action)) is not None:
            yield *where, said


def _rejected(v: View, action: Action) -> str | None:
    """What the framework said when it refused the call (no such tool, bad arguments), or None."""
    if action.result is None or not action.failed:
        return None
    text = v.content[action.result][:2000]
    if NO_SUCH_TOOL.search(text):
        return f"{action.tool} does not exist: {excerpt(text, 100)}"
    if BAD_ARGUMENTS.search(text):
        return f"{action.tool} arguments rejected: {excerpt(text, 100)}"
    return None


def _schemas(v: View, params: Params) -> tuple[set[str], dict[str, set[str]]]:
    """The known tools and each tool's required fields, from the parameters and the format's ``labels.tools``."""
    known = set(params.known_tools)
    required: dict[str, set[str]] = {}
    recorded = v.labels.get("tools")
    for tool in recorded if isinstance(recorded, list) else []:
        if isinstance(tool, str):
            known.add(tool)
        elif isinstance(tool, dict):
            spec = tool.get("function") if isinstance(tool.get("function"), dict) else tool
            name = spec.get("name")
            if isinstance(name, str):
                known.add(name)
                parameters = spec.get("parameters") or spec.get("input_schema") or {}
                fields = parameters.get("required") if isinstance(parameters, dict) else None
                required.setdefault(name, set()).update(f for f in fields or [] if isinstance(f, str))
    for entry in params.required_fields:
        tool, _, name = entry.partition(".")
        if tool and name:
            required.setdefault(tool, set()).add(name)
    return known, required


DETECTOR = Detector(
    name=NAME,
    subject=SubjectType.trajectory,
    needs=("kind", "tool", "arguments"),
    params=Params,
    judge=judge,
    description="tool calls whose arguments are not JSON, whose tool does not exist, or that lack required fields",
)
