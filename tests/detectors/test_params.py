"""Detector parameters are parsed by the type they declare, from TOML values and from --set text alike."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tracesift.detectors import by_name
from tracesift.detectors.params import parse_params
from tracesift.errors import UsageError


@dataclass(frozen=True)
class Example:
    enabled: bool = True
    window: int = 50
    z: float = 6.0
    tools: tuple[str, ...] = ("bash",)
    limits: list[int] | None = None


@pytest.mark.parametrize(("values", "expected"), [
    ({"enabled": "false"}, Example(enabled=False)),
    ({"enabled": "yes"}, Example(enabled=True)),
    ({"enabled": False}, Example(enabled=False)),
    ({"window": "80"}, Example(window=80)),
    ({"window": 80.0}, Example(window=80)),
    ({"z": "8"}, Example(z=8.0)),
    ({"z": 8}, Example(z=8.0)),
    ({"tools": "bash, python"}, Example(tools=("bash", "python"))),
    ({"tools": ["edit"]}, Example(tools=("edit",))),
    ({"limits": "10,20"}, Example(limits=[10, 20])),
    ({"limits": "none"}, Example(limits=None)),
])
def test_values_are_parsed_by_their_declared_type(values, expected):
    assert parse_params("example", Example, values) == expected


@pytest.mark.parametrize(("values", "message"), [
    ({"enabled": "maybe"}, "example.enabled must be true or false, got 'maybe'"),
    ({"window": "2.5"}, "example.window must be an int, got '2.5'"),
    ({"window": True}, "example.window must be an int, got True"),
    ({"z": "high"}, "example.z must be a float, got 'high'"),
    ({"limits": "1,x"}, "example.limits must be a list of ints or none, got '1,x'"),
    ({"zed": 1}, "example has no parameter 'zed' (it has: enabled, window, z, tools, limits)"),
])
def test_bad_values_name_the_detector_the_parameter_and_the_type(values, message):
    with pytest.raises(UsageError) as raised:
        parse_params("example", Example, values)
    assert str(raised.value) == message


def test_a_real_detector_parses_its_thresholds():
    spike = by_name("loss_spike")
    assert spike.parse({"z": "8", "window": "100"}) == spike.params(z=8.0, window=100)
    assert spike.defaults()["z"] == 6.0
