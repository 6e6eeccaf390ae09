"""Hypothesis strategies shared by the core's property tests."""

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
