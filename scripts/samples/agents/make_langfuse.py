"""Write the Langfuse trace export sample under ``sample_traces/agents/langfuse/``.

The document is what ``GET /api/public/traces/{id}`` returns (``TraceWithFullDetails``).
Fields and their order copied from ``langfuse/langfuse`` @ ``0010e28f``:
``fern/apis/server/definition/commons.yml`` (``Trace``, ``TraceWithFullDetails``,
``Observation``, ``ObservationsView``, ``Usage``, ``ObservationLevel``), and from the generated
client in ``langfuse/langfuse-python`` @ ``edf55f6e``
``langfuse/api/resources/commons/types/observations_view.py`` (``calculatedTotalCost``,
``latency`` in seconds, ``timeToFirstToken``); ``usageDetails`` / ``costDetails`` as newer
servers add them beside ``usage``. One agent run: a root ``SPAN``, two ``GENERATION`` calls with
OpenAI ``tool_calls`` in their output, two ``TOOL`` observations (the first fails, level
``ERROR``), an ``EVENT``, and a final generation. Content invented.
Plain Python: ``python scripts/samples/agents/make_langfuse.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "langfuse"
TRACE = "7f3c2a1e-5b4d-4c6e-9a8b-1d2e3f4a5b6c"
TASK = "What was the p95 latency of the checkout service yesterday?"
ROOT_SPAN = "obs-root-0001"


def at(seconds: float) -> str:
    return f"2025-10-14T09:30:{seconds:06.3f}Z"


def observation(oid: str, kind: str, name: str, start: float, end: float | None, **fields) -> dict:
    body = {"id": oid, "traceId": TRACE, "type": kind, "name": name, "startTime": at(start),
            "endTime": at(end) if end is not None else None, "completionStartTime": None, "model": None,
            "modelParameters": {}, "input": None, "version": None, "metadata": {}, "output": None,
            "usage": {"input": 0, "output": 0, "total": 0, "unit": "TOKENS"}, "level": "DEFAULT",
            "statusMessage": None, "parentObservationId": ROOT_SPAN, "promptId": None,
            "promptName": None, "promptVersion": None, "modelId": None, "inputPrice": None, "outputPrice": None,
            "totalPrice": None, "calculatedInputCost": None, "calculatedOutputCost": None,
            "calculatedTotalCost": None, "latency": round(end - start, 3) if end is not None else None,
            "timeToFirstToken": None, "usageDetails": {}, "costDetails": {}}
    body.update(fields)
    return body


def generation(oid: str, start: float, end: float, messages: list, reply: dict, tokens: tuple[int, int]) -> dict:
    cost_in, cost_out = tokens[0] * 2.5e-6, tokens[1] * 1e-5
    return observation(
        oid, "GENERATION", "chat-completion", start, end, model="gpt-4o-2024-08-06",
        modelParameters={"temperature": 0}, input=messages, output=reply, completionStartTime=at(start + 0.4),
        usage={"input": tokens[0], "output": tokens[1], "total": sum(tokens), "unit": "TOKENS"},
        modelId="b9854a5c92dc496b997d99d2", inputPrice=2.5e-6, outputPrice=1e-5,
        calculatedInputCost=cost_in, calculatedOutputCost=cost_out, calculatedTotalCost=cost_in + cost_out,
        timeToFirstToken=0.4, usageDetails={"input": tokens[0], "output": tokens[1], "total": sum(tokens)},
        costDetails={"input": cost_in, "output": cost_out, "total": cost_in + cost_out})


def call(call_id: str, name: str, arguments: dict) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


def observations() -> list[dict]:
    system = {"role": "system", "content": "You answer questions about service metrics. Use the tools."}
    user = {"role": "user", "content": TASK}
    first = {"role": "assistant", "content": None,
             "tool_calls": [call("call_q1", "query_metrics", {"service": "checkout", "day": "2025-10-13"})]}
    failed = "MetricsBackendError: table latency_2025_10_13 not found"
    second = {"role": "assistant", "content": None,
              "tool_calls": [call("call_q2", "query_metrics", {"service": "checkout", "day": "2025-10-13",
                                                                  "source": "archive"})]}
    final = {"role": "assistant", "content": "The p95 latency of checkout on 2025-10-13 was 412 ms."}
    return [
        observation(ROOT_SPAN, "SPAN", "metrics-agent", 0.0, 9.5, input={"question": TASK},
                    output={"answer": final["content"]}, parentObservationId=None, usage=None),
        generation("obs-gen-0002", 0.1, 1.9, [system, user], first, (182, 31)),
        observation("obs-tool-0003", "TOOL", "query_metrics", 2.0, 2.6,
                    input={"service": "checkout", "day": "2025-10-13"}, level="ERROR", statusMessage=failed,
                    metadata={"tool_call_id": "call_q1"}, usage=None),
        observation("obs-event-0004", "EVENT", "fallback-to-archive", 2.7, None,
                    input={"reason": "primary table missing"}, level="WARNING", usage=None),
        generation("obs-gen-0005", 2.8, 4.2, [system, user, first,
                                             {"role": "tool", "tool_call_id": "call_q1", "content": failed}],
                   second, (236, 40)),
        observation("obs-tool-0006", "TOOL", "query_metrics", 4.3, 7.1,
                    input={"service": "checkout", "day": "2025-10-13", "source": "archive"},
                    output={"p50_ms": 128, "p95_ms": 412, "p99_ms": 960}, metadata={"tool_call_id": "call_q2"},
                    usage=None),
        generation("obs-gen-0007", 7.2, 9.4, [system, user, second,
                                             {"role": "tool", "tool_call_id": "call_q2", "content": "p95_ms=412"}],
                   final, (301, 22)),
    ]


def trace() -> dict:
    found = sorted(observations(), key=lambda o: o["type"])  # the API does not list them by start time
    return {"id": TRACE, "timestamp": at(0.0), "name": "metrics-agent", "input": {"question": TASK},
            "output": {"answer": "The p95 latency of checkout on 2025-10-13 was 412 ms."},
            "sessionId": "session-ops-42", "release": "v1.8.0", "version": None, "userId": "analyst-7",
            "metadata": {"env": "staging"}, "tags": ["agent", "metrics"], "public": False,
            "htmlPath": f"/project/cm1example/traces/{TRACE}", "latency": 9.5,
            "totalCost": round(sum(o["calculatedTotalCost"] or 0 for o in found), 8),
            "observations": found, "scores": []}


def main() -> None:
    ROOT.mkdir(parents=True, exist_ok=True)
    (ROOT / "metrics_agent_trace.json").write_text(json.dumps(trace(), indent=2) + "\n")


if __name__ == "__main__":
    main()
