"""The straightforward version: the service written the way the article's code suggests.

The reference that ``bench/run_bench.py`` measures the service against, with the same paths so the
same load runs against both. Nothing here is tuned: numpy arrays become Python lists with
``.tolist()`` and go out through a pydantic response model; the body is a pydantic model of
``list[float]``; each plot is a new ``plt.figure()`` with two ``add_subplot`` panels,
``tight_layout`` and ``savefig``, drawn again for every request. Not part of the service.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from fastapi import FastAPI, HTTPException, Query, Response
from pydantic import BaseModel, Field

app = FastAPI(title="Activation functions, straightforward")

Curve = Callable[[np.ndarray, float], np.ndarray]


def relu(x: np.ndarray, negative_slope: float = 0.0) -> np.ndarray:
    return np.maximum(0, x)


def relu_grad(x: np.ndarray, negative_slope: float = 0.0) -> np.ndarray:
    return np.where(x > 0, 1.0, 0.0)


def leaky_relu(x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    return np.where(x > 0, 1.0, negative_slope)


def sigmoid(x: np.ndarray, negative_slope: float = 0.0) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def sigmoid_grad(x: np.ndarray, negative_slope: float = 0.0) -> np.ndarray:
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x: np.ndarray, negative_slope: float = 0.0) -> np.ndarray:
    return np.tanh(x)


def tanh_grad(x: np.ndarray, negative_slope: float = 0.0) -> np.ndarray:
    return 1 - np.tanh(x) ** 2


FUNCTIONS: dict[str, tuple[str, Curve, Curve]] = {
    "relu": ("ReLU", relu, relu_grad),
    "leaky_relu": ("Leaky ReLU", leaky_relu, leaky_relu_grad),
    "sigmoid": ("Sigmoid", sigmoid, sigmoid_grad),
    "tanh": ("tanh", tanh, tanh_grad),
}


class ValuesResponse(BaseModel):
    name: str
    x: list[float]
    y: list[float]
    dy: list[float]


class ValuesRequest(BaseModel):
    x: list[float] = Field(min_length=1, max_length=100_000)


def lookup(name: str) -> tuple[str, Curve, Curve]:
    if name not in FUNCTIONS:
        raise HTTPException(404, f"Unknown activation function {name!r}")
    return FUNCTIONS[name]


@app.get("/v1/activations/{name}/values", response_model=ValuesResponse)
def read_values(
    name: str,
    x_min: float = -5.0,
    x_max: float = 5.0,
    num: int = Query(100, ge=2, le=100_000),
    negative_slope: float = 0.01,
) -> ValuesResponse:
    _, f, df = lookup(name)
    x = np.linspace(x_min, x_max, num)
    return ValuesResponse(name=name, x=x.tolist(), y=f(x, negative_slope).tolist(), dy=df(x, negative_slope).tolist())


@app.post("/v1/activations/{name}/values", response_model=ValuesResponse)
def compute_values(name: str, body: ValuesRequest, negative_slope: float = 0.01) -> ValuesResponse:
    _, f, df = lookup(name)
    x = np.array(body.x)
    return ValuesResponse(name=name, x=x.tolist(), y=f(x, negative_slope).tolist(), dy=df(x, negative_slope).tolist())


# pyplot keeps the current figure in global state, so requests on the threadpool take turns.
_pyplot = threading.Lock()


@app.get("/v1/activations/{name}/plot", response_class=Response)
def read_plot(
    name: str,
    x_min: float = -5.0,
    x_max: float = 5.0,
    num: int = Query(100, ge=2, le=10_000),
    negative_slope: float = 0.01,
) -> Response:
    label, f, df = lookup(name)
    x = np.linspace(x_min, x_max, num)
    with _pyplot:
        fig = plt.figure(figsize=(6.4, 4.8))
        top = fig.add_subplot(2, 1, 1)
        top.plot(x, f(x, negative_slope))
        top.set_title(label)
        top.grid(True, linestyle="--")
        bottom = fig.add_subplot(2, 1, 2)
        bottom.plot(x, df(x, negative_slope))
        bottom.set_title(f"Derivative of {label}")
        bottom.grid(True, linestyle="--")
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
    return Response(buffer.getvalue(), media_type="image/png")
