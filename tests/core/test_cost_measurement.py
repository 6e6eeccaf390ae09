"""The cost measurement runs every function and derivative once per round, in an order drawn each round."""

from __future__ import annotations

from app.core import analysis, registry
from app.core.functions import Array
from app.core.networks import Nonlinearity


def _counting(name: str, calls: list[str]) -> Nonlinearity:
    activation = registry.get(name)
    bound = analysis.bind(activation, activation.defaults)

    def value(x: Array) -> Array:
        calls.append(name)
        return bound.value(x)

    def grad(x: Array) -> Array:
        calls.append(f"{name}'")
        return bound.grad(x)

    return Nonlinearity(name, bound.label, value, grad)


def test_every_function_and_derivative_runs_once_per_round_after_one_warm_up() -> None:
    calls: list[str] = []
    names = ["sigmoid", "tanh"]
    costs, base = analysis.measure_cost(
        [_counting(n, calls) for n in names], _counting("relu", calls), n=1000, repeats=4, seed=3
    )
    every = ["relu", "relu'", "sigmoid", "sigmoid'", "tanh", "tanh'"]
    # The warm-up calls, then 4 rounds, each a permutation of all six.
    assert calls[:6] == every
    rounds = [calls[6 + 6 * r : 12 + 6 * r] for r in range(4)]
    assert len(calls) == 6 * 5
    assert all(sorted(r) == sorted(every) for r in rounds)
    assert len({tuple(r) for r in rounds}) > 1  # the order is drawn afresh each round
    assert [c.name for c in costs] == names and base.name == "relu"
    assert all(len(c.value_repeats_ns_per_element) == 4 for c in [*costs, base])
