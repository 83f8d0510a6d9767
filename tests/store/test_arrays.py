"""Arrow arrays built without pyarrow's pandas shim are the arrays ``pa.array`` makes."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from tests.conftest import SAMPLES
from tracesift.store import arrays

CASES = {
    pa.string(): [[], ["a"], ["a", None, "é", ""], [None, None], ["x"] * 3000],
    pa.int64(): [[], [1, None, -(1 << 63), (1 << 63) - 1], [None]],
    pa.float64(): [[], [1.5, None, math.nan, math.inf, -0.0], [1, 2.5, 1 << 53], [None, 3]],
    pa.bool_(): [[], [True, None, False], [None] * 9 + [True]],
}


@pytest.fixture(autouse=True)
def without_pandas(monkeypatch):
    """As in a process that has not imported pandas (this one may have, for other tests)."""
    monkeypatch.setattr(arrays, "_pandas_imported", lambda: False)


def same(built: pa.Array, expected: pa.Array) -> bool:
    """Equal types and values, NaN equal to NaN and -0.0 told from 0.0."""
    return built.type == expected.type and list(map(repr, built.to_pylist())) == list(map(repr, expected.to_pylist()))


@pytest.mark.parametrize(("type_", "values"), [(t, v) for t, cases in CASES.items() for v in cases])
def test_short_lists_convert_as_pa_array_does(type_, values):
    built = arrays.from_list(values, type_)
    assert same(built, pa.array(values, type_))
    built.validate(full=True)


@pytest.mark.parametrize(("type_", "values"), [
    (pa.string(), [1]),  # refused by pa.array
    (pa.int64(), [1.0]),  # converted by pa.array
    (pa.int64(), [1 << 64]),
    (pa.float64(), [np.float32(1.5)]),
    (pa.float64(), [1 << 60]),
    (pa.bool_(), [1]),
])
def test_other_values_go_to_pa_array(type_, values):
    try:
        expected = pa.array(values, type_)
    except (pa.ArrowException, TypeError, OverflowError, ValueError) as exc:
        with pytest.raises(type(exc)):
            arrays.from_list(values, type_)
    else:
        assert same(arrays.from_list(values, type_), expected)


def test_text_that_is_not_utf8_raises_as_pa_array_does():
    with pytest.raises(UnicodeEncodeError):
        arrays.from_list(["bad \udcff"], pa.string())


@pytest.mark.parametrize(("value", "n"), [("run_000", 0), ("run_000", 1), ("é/x", 5000), ("", 3)])
def test_repeated_strings(value, n):
    built = arrays.repeated_string(value, n)
    built.validate(full=True)
    assert built.to_pylist() == [value] * n


def test_short_lists_go_to_pa_array_once_pandas_is_imported(monkeypatch):
    monkeypatch.setattr(arrays, "_pandas_imported", lambda: True)
    monkeypatch.setattr(arrays.pa, "array", lambda values, type_: "pa.array")
    assert arrays.from_list(["a"], pa.string()) == "pa.array"


@pytest.mark.parametrize(("type_", "dtype"), [(pa.int64(), np.int64), (pa.int32(), np.int32),
                                              (pa.float64(), np.float64), (pa.bool_(), bool)])
def test_numpy_arrays_convert_as_pa_array_does(type_, dtype):
    values = (np.arange(-5, 20) % 3).astype(dtype)
    assert arrays.from_numpy(values, type_).equals(pa.array(values, type_))
    assert arrays.from_numpy(values[::2], type_).equals(pa.array(values[::2], type_))  # strided: copied
    assert arrays.from_numpy(np.array([], dtype=dtype), type_).equals(pa.array([], type_))


PANDAS_FREE = """
import sys
from pathlib import Path
from tracesift.pipeline import ingest
ingest.PARALLEL_FROM_FILES = 1  # a pool even for a few files
ingest.ingest([Path(sys.argv[1])], store=Path(sys.argv[2]), jobs=int(sys.argv[3]))
print("pandas" in sys.modules)
"""


@pytest.mark.skipif(importlib.util.find_spec("pandas") is None, reason="only matters where pandas is installed")
@pytest.mark.parametrize("jobs", [1, 2])
def test_event_file_ingest_never_imports_pandas(tmp_path: Path, jobs: int):
    """Not in the process that reads (``jobs=1``), nor in one that starts workers."""
    folder = SAMPLES / "training" / "tensorboard"
    args = [sys.executable, "-c", PANDAS_FREE, str(folder), str(tmp_path / "store"), str(jobs)]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"]
