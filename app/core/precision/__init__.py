"""Values and derivatives as float32, float16 and bfloat16 compute them, and where they break down.

- :func:`function_in`: f and f' of a registered function as PyTorch 2.13's CPU kernels compute them in a
  dtype (bit for bit in float16 and bfloat16 over every finite input; in float32 too, except torch.tanh's
  last bit where PyTorch calls MKL); float64 is the registry's own numbers.
- :func:`expression_in`: an expression node by node as PyTorch eager and autograd compute it in a dtype.
- :func:`activation_report`, :func:`expression_report`, :func:`precision_report`: where f' becomes exactly
  0, where f saturates or overflows, and the error against float64, as representable numbers.
- :func:`gradient_error`: the error of a values answer in ULPs, and its underflows and overflows.
- :mod:`.dtypes`: the types, :func:`round_to`, :func:`cast`, :func:`ulp`, :func:`finite_values`.
- Underneath: :mod:`.kernels` (one per function), :mod:`.sleef` and :mod:`.onednn` (the float32 functions
  PyTorch's kernels call, ported), :mod:`.single` (MKL's, as correctly rounded values).

What is emulated is PyTorch's vectorised code path on an x86-64 CPU with AVX-512 (the machine the tests
run on), for contiguous tensors of two elements or more: a one-element float32 tensor takes PyTorch's
own GELU instead of oneDNN's, and the last few elements of a long tensor its scalar code (glibc's
functions), which can differ in the last bit.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from app.core import expressions
from app.core.functions import Array
from app.core.precision import dtypes as dtypes_module
from app.core.precision import report as report_module
from app.core.precision.dtypes import Dtype, cast, finite_values, round_to, ulp
from app.core.precision.expression import expression_in
from app.core.precision.kernels import Context, value_and_grad
from app.core.precision.report import ErrorSummary, PrecisionReport, gradient_error, precision_report, sample
from app.core.registry import Activation, ParamValue

__all__ = [
    "Dtype",
    "ErrorSummary",
    "PrecisionReport",
    "activation_report",
    "cast",
    "clear_reports",
    "expression_in",
    "expression_report",
    "finite_values",
    "function_in",
    "gradient_error",
    "precision_report",
    "round_to",
    "sample",
    "ulp",
]


def function_in(
    dtype: Dtype, activation: Activation, x: Array, params: Mapping[str, ParamValue]
) -> tuple[Array, Array]:
    """f and f' at ``x`` as PyTorch 2.13's CPU kernels compute them in ``dtype``, as float64 arrays.

    The inputs are converted to ``dtype`` first (as PyTorch converts float64: through float32), and
    every value returned is exactly a value of ``dtype`` (inf and nan where the dtype overflows). The
    gradient is that of ``y.sum()``, a tensor of ones flowing into the backward kernel. For float64,
    the registry's own numbers (``activation.value_and_grad``), unchanged.
    """
    dtype = Dtype(dtype)
    values = np.asarray(x, dtype=np.float64)
    if dtype is Dtype.float64:
        return activation.value_and_grad(values, params)
    a = cast(values, dtype).astype(np.float32)
    y, dy = value_and_grad(activation.name, a, Context.of(dtype), params)
    return y.astype(np.float64), dy.astype(np.float64)


def _key(params: Mapping[str, ParamValue]) -> tuple[tuple[str, ParamValue], ...]:
    return tuple(sorted(params.items()))


@functools.lru_cache(maxsize=256)
def _activation_report(name: str, params: tuple[tuple[str, ParamValue], ...], dtype: Dtype) -> PrecisionReport:
    from app.core import registry

    activation = registry.get(name)
    given = dict(params)

    def f_in(t: Array) -> tuple[Array, Array]:
        return function_in(dtype, activation, t, given)

    def exact(t: Array) -> tuple[Array, Array]:
        return activation.value_and_grad(t, given)

    return precision_report(dtype, f_in, exact)


def activation_report(dtype: Dtype, activation: Activation, params: Mapping[str, ParamValue]) -> PrecisionReport:
    """:func:`precision_report` for a registered function at resolved ``params``.

    Cached per (function, params, dtype), 256 reports at most.
    """
    return _activation_report(activation.name, _key(params), Dtype(dtype))


_EXPRESSION_REPORTS: OrderedDict[tuple[str, Dtype], PrecisionReport] = OrderedDict()
_EXPRESSION_REPORTS_LOCK = threading.Lock()
_EXPRESSION_REPORTS_SIZE = 64


def expression_report(dtype: Dtype, expression: expressions.Expression) -> PrecisionReport:
    """:func:`precision_report` for an expression (nan where it is undefined).

    Cached per (normalised text, dtype), the 64 most recent.
    """
    dtype = Dtype(dtype)
    key = (expression.text, dtype)
    with _EXPRESSION_REPORTS_LOCK:
        if key in _EXPRESSION_REPORTS:
            _EXPRESSION_REPORTS.move_to_end(key)
            return _EXPRESSION_REPORTS[key]

    def f_in(t: Array) -> tuple[Array, Array]:
        curve = expression_in(dtype, expression, t)
        return curve.y, curve.dy

    def exact(t: Array) -> tuple[Array, Array]:
        curve = expressions.evaluate(expression, t)
        return curve.y, curve.dy

    report = precision_report(dtype, f_in, exact)
    with _EXPRESSION_REPORTS_LOCK:
        _EXPRESSION_REPORTS[key] = report
        while len(_EXPRESSION_REPORTS) > _EXPRESSION_REPORTS_SIZE:
            _EXPRESSION_REPORTS.popitem(last=False)
    return report


def clear_reports() -> None:
    """Forget every cached report and sample, as a fresh worker has none (for tests and benchmarks)."""
    _activation_report.cache_clear()
    with _EXPRESSION_REPORTS_LOCK:
        _EXPRESSION_REPORTS.clear()
    report_module._sample.cache_clear()
    dtypes_module._finite_values.cache_clear()
