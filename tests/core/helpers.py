"""What several of the core's tests share: a hypothesis strategy, and a call counter."""

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from app.core import registry
from app.core.registry import Activation, ParamError


@st.composite
def activation_and_params(draw: st.DrawFn) -> tuple[Activation, dict[str, Any]]:
    """Any registered function with any allowed parameters (its defaults where a draw breaks a constraint)."""
    activation = draw(st.sampled_from(registry.ACTIVATIONS))
    given_params: dict[str, Any] = {}
    for p in activation.params:
        if p.choices:
            given_params[p.name] = draw(st.sampled_from(p.choices))
        elif draw(st.booleans()):
            given_params[p.name] = draw(st.floats(min_value=p.minimum, max_value=p.maximum))
    try:
        return activation, activation.resolve_params(given_params)
    except ParamError:
        return activation, dict(activation.defaults)


class Counter:
    """Counts the calls of the functions it wraps."""

    def __init__(self) -> None:
        self.calls = 0

    def wrap(self, f: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return f(*args, **kwargs)

        return counted
