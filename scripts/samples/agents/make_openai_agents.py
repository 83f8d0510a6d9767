"""Write sample_traces/agents/openai_agents/ with the real OpenAI Agents SDK (openai-agents 0.24.0).

Real ``Runner.run`` calls (openai 3.57.0, httpx2 2.16.2), traced by the SDK itself; only the model endpoint is faked: the
``AsyncOpenAI`` clients talk to an ``httpx.MockTransport`` that replays scripted Chat
Completions and Responses replies (no network, no key). What the SDK traces is exported as its
own ``Trace.export()`` / ``Span.export()`` dicts, the way a user keeps them:

- ``support_desk.jsonl``: a custom ``TracingProcessor`` that writes each trace when it starts
  and each span when it ends, one JSON object per line (children end, so are written, before
  their parents). Two traces: a triage agent (input guardrail passed) hands off to billing,
  whose ``lookup_invoice`` fails once (a tool error the model recovers from) before a refund;
  and a test-fixing agent whose ``run_tests`` keeps failing until ``max_turns`` stops the run
  (``MaxTurnsExceeded``: the agent span has an error).
- ``guardrail_batch.json``: the payload ``BackendSpanExporter`` posts, ``{"data": [...]}``, as
  a ``TracingExporter`` behind the SDK's ``BatchTraceProcessor`` receives it; two traces of an
  agent on the Responses API model: one answers (after a user's ``custom_span``), in the other
  the input guardrail trips (``InputGuardrailTripwireTriggered``).

Run with a venv holding openai-agents: ``/tmp/oa-venv/bin/python scripts/samples/agents/make_openai_agents.py``.
Span ids, times and durations are those of the run; trace ids are fixed.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx2 as httpx
from agents import (
    Agent,
    GuardrailFunctionOutput,
    InputGuardrailTripwireTriggered,
    MaxTurnsExceeded,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    RunConfig,
    Runner,
    custom_span,
    function_tool,
    input_guardrail,
    set_trace_processors,
    trace,
)
from agents.tracing.processor_interface import TracingExporter, TracingProcessor
from agents.tracing.processors import BatchTraceProcessor
from openai import AsyncOpenAI

OUT = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "openai_agents"
CREATED = 1_767_229_200


class Replies:
    """The scripted model: each request takes the next reply, as the endpoint would send it."""

    def __init__(self) -> None:
        self.queue: list[dict] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        reply = self.queue.pop(0)
        time.sleep(0.002)
        return httpx.Response(200, json=reply)


def chat(number: int, content: str | None = None, calls: list[tuple[str, str, dict]] = (),
         tokens: tuple[int, int] = (0, 0)) -> dict:
    message: dict = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [{"id": cid, "type": "function",
                                  "function": {"name": name, "arguments": json.dumps(args)}}
                                 for cid, name, args in calls]
    return {"id": f"chatcmpl-{number:04d}", "object": "chat.completion", "created": CREATED + number,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
            "usage": {"prompt_tokens": tokens[0], "completion_tokens": tokens[1], "total_tokens": sum(tokens)}}


def response(number: int, text: str, tokens: tuple[int, int]) -> dict:
    return {"id": f"resp_{number:04d}", "object": "response", "created_at": CREATED + number, "status": "completed",
            "model": "gpt-4.1-mini-2025-04-14", "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
            "output": [{"type": "message", "id": f"msg_{number:04d}", "role": "assistant", "status": "completed",
                        "content": [{"type": "output_text", "text": text, "annotations": []}]}],
            "usage": {"input_tokens": tokens[0], "output_tokens": tokens[1], "total_tokens": sum(tokens),
                      "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}}}


class JsonLinesProcessor(TracingProcessor):
    """A trace when it starts, a span when it ends: one exported dict per line."""

    def __init__(self, path: Path) -> None:
        self.handle = path.open("w")

    def write(self, item) -> None:
        exported = item.export()
        if exported:
            self.handle.write(json.dumps(exported) + "\n")

    def on_trace_start(self, trace) -> None:
        self.write(trace)

    def on_trace_end(self, trace) -> None:
        pass

    def on_span_start(self, span) -> None:
        pass

    def on_span_end(self, span) -> None:
        self.write(span)

    def shutdown(self) -> None:
        self.handle.close()

    def force_flush(self) -> None:
        self.handle.flush()


class PayloadExporter(TracingExporter):
    """Keeps what ``BatchTraceProcessor`` hands over; writes it as the backend payload ``{"data": [...]}``."""

    def __init__(self) -> None:
        self.items: list[dict] = []

    def export(self, items) -> None:
        self.items.extend(e for e in (item.export() for item in items) if e)


@function_tool
def lookup_invoice(invoice_id: str) -> str:
    """Look up an invoice by its id."""
    if not invoice_id.startswith("INV-"):
        raise KeyError(f"no invoice {invoice_id!r}")
    return json.dumps({"invoice_id": invoice_id, "amount": 42.0, "status": "paid", "charged_twice": True})


@function_tool
def issue_refund(invoice_id: str, amount: float) -> str:
    """Refund an amount of an invoice."""
    return json.dumps({"refund_id": "RF-1001", "invoice_id": invoice_id, "amount": amount, "status": "pending"})


@function_tool
def run_tests(path: str) -> str:
    """Run the test suite under a path."""
    return "FAILED tests/test_dates.py::test_parse_iso - AssertionError: 2024-02-30 accepted\n1 failed, 11 passed"


@input_guardrail
async def no_card_numbers(ctx, agent, text) -> GuardrailFunctionOutput:
    message = text if isinstance(text, str) else json.dumps(text)
    digits = sum(c.isdigit() for c in message)
    return GuardrailFunctionOutput(output_info={"digits": digits}, tripwire_triggered=digits >= 12)


def chat_model(replies: Replies) -> OpenAIChatCompletionsModel:
    client = AsyncOpenAI(api_key="sk-sample", base_url="https://api.invalid/v1",
                         http_client=httpx.AsyncClient(transport=httpx.MockTransport(replies.handler)))
    return OpenAIChatCompletionsModel(model="gpt-4o-mini", openai_client=client)


async def support_desk(replies: Replies) -> None:
    model = chat_model(replies)
    billing = Agent(name="Billing agent", instructions="Resolve billing questions with the tools.",
                    tools=[lookup_invoice, issue_refund], model=model)
    triage = Agent(name="Triage agent", instructions="Route the customer to the right agent.",
                   handoffs=[billing], input_guardrails=[no_card_numbers], model=model)
    replies.queue += [
        chat(1, None, [("call_h1", "transfer_to_billing_agent", {})], (182, 14)),
        chat(2, None, [("call_l1", "lookup_invoice", {"invoice_id": "8812"})], (264, 21)),
        chat(3, None, [("call_l2", "lookup_invoice", {"invoice_id": "INV-8812"})], (318, 23)),
        chat(4, None, [("call_r1", "issue_refund", {"invoice_id": "INV-8812", "amount": 42.0})], (402, 27)),
        chat(5, "You were charged twice for INV-8812; refund RF-1001 of $42.00 is on its way.", (), (455, 31)),
    ]
    with trace("Customer support", trace_id="trace_5f0c8e2a9b3d4c1e8f7a6b5c4d3e2f10", group_id="chat-7731"):
        await Runner.run(triage, "I was charged twice for invoice 8812, please refund one.")


async def fix_tests(replies: Replies) -> None:
    fixer = Agent(name="Test fixer", instructions="Make the test suite pass.", tools=[run_tests],
                  model=chat_model(replies))
    replies.queue += [chat(10 + k, None, [(f"call_t{k}", "run_tests", {"path": "tests/"})], (300 + 90 * k, 18))
                      for k in range(3)]
    try:
        with trace("Fix failing tests", trace_id="trace_a1b2c3d4e5f60718293a4b5c6d7e8f90"):
            await Runner.run(fixer, "Make tests/test_dates.py pass.", max_turns=3)
    except MaxTurnsExceeded:
        pass


async def payments(replies: Replies) -> None:
    client = AsyncOpenAI(api_key="sk-sample", base_url="https://api.invalid/v1",
                         http_client=httpx.AsyncClient(transport=httpx.MockTransport(replies.handler)))
    agent = Agent(name="Payments agent", instructions="Help with payments.", input_guardrails=[no_card_numbers],
                  model=OpenAIResponsesModel(model="gpt-4.1-mini", openai_client=client))
    replies.queue.append(response(20, "Your order 5521 was paid on 2 March.", (88, 11)))
    with trace("Payments", trace_id="trace_7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a21"):
        with custom_span("load_order", data={"order_id": "5521", "source": "orders-db"}):
            time.sleep(0.002)
        await Runner.run(agent, "When was order 5521 paid?", run_config=RunConfig(workflow_name="Payments"))
    replies.queue.append(response(21, "I can help with that payment.", (96, 9)))
    try:
        with trace("Payments", trace_id="trace_0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b"):
            await Runner.run(agent, "Please charge my card 4111 1111 1111 1111 for the order.",
                             run_config=RunConfig(workflow_name="Payments"))
    except InputGuardrailTripwireTriggered:
        pass


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    replies = Replies()
    lines = JsonLinesProcessor(OUT / "support_desk.jsonl")
    set_trace_processors([lines])
    asyncio.run(support_desk(replies))
    asyncio.run(fix_tests(replies))
    lines.shutdown()
    exporter = PayloadExporter()
    batch = BatchTraceProcessor(exporter, schedule_delay=0.05)
    set_trace_processors([batch])
    asyncio.run(payments(replies))
    batch.force_flush()
    batch.shutdown()
    (OUT / "guardrail_batch.json").write_text(json.dumps({"data": exporter.items}, indent=2) + "\n")
    print("wrote", *sorted(p.name for p in OUT.iterdir()))


if __name__ == "__main__":
    main()
