"""Small fully connected networks in numpy: initialisation, forward and backward passes, SGD.

Enough of a network to watch gradients flow and units die, and nothing more: no framework,
float64 throughout, every random number drawn from ``np.random.default_rng(seed)`` so a
result is reproduced by its seed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from threadpoolctl import threadpool_limits

from app.core.functions import Array

ScalarFn = Callable[[Array], Array]


@dataclass(frozen=True)
class Nonlinearity:
    """An activation bound to its parameters: f and f' as functions of x alone."""

    name: str
    label: str
    value: ScalarFn
    grad: ScalarFn
    # Relative cost of one evaluation: 1 for a registered function, its node count for an expression.
    weight: int = 1
    # f'' as a function of x, where the analyses ask for it (the largest curvature on a range).
    second: ScalarFn | None = None


class Init(StrEnum):
    """How the weights are drawn: N(0, std²) with std chosen from the layer's fan-in and fan-out."""

    he = "he"
    xavier = "xavier"
    lecun = "lecun"
    normal = "normal"


INIT_RULES = {
    Init.he: "N(0, 2/fan_in): keeps ReLU's forward and backward variance constant (He et al., 2015)",
    Init.xavier: "N(0, 2/(fan_in + fan_out)): keeps the variance of a unit-slope function (Glorot & Bengio, 2010)",
    Init.lecun: "N(0, 1/fan_in): LeCun et al., Efficient BackProp, 1998",
    Init.normal: "N(0, std²) with the given std, whatever the layer's size",
}


def weight_std(init: Init, fan_in: int, fan_out: int, std: float) -> float:
    """The standard deviation of the weights of one layer under ``init``."""
    if init is Init.he:
        return float(np.sqrt(2.0 / fan_in))
    if init is Init.xavier:
        return float(np.sqrt(2.0 / (fan_in + fan_out)))
    if init is Init.lecun:
        return float(np.sqrt(1.0 / fan_in))
    return std


@dataclass
class Network:
    """Layers ``h = f(h_prev @ W + b)``; an optional linear head maps the last layer to one output."""

    weights: list[Array]
    biases: list[Array]
    head: Array | None = None
    head_bias: float = 0.0


def random_network(
    rng: np.random.Generator,
    sizes: list[int],
    init: Init,
    std: float = 1.0,
    *,
    head: bool = False,
) -> Network:
    """A network with layer sizes ``sizes`` (input first), zero biases and weights drawn under ``init``."""
    weights = [
        rng.standard_normal((fan_in, fan_out)) * weight_std(init, fan_in, fan_out, std)
        for fan_in, fan_out in itertools.pairwise(sizes)
    ]
    biases = [np.zeros(n) for n in sizes[1:]]
    head_weights = rng.standard_normal((sizes[-1], 1)) * np.sqrt(1.0 / sizes[-1]) if head else None
    return Network(weights, biases, head_weights)


def forward(net: Network, f: Nonlinearity, x: Array) -> tuple[list[Array], list[Array]]:
    """Pre-activations z_l and outputs h_l of every layer (h_0 = x is first in the outputs)."""
    outputs = [x]
    pre = []
    for w, b in zip(net.weights, net.biases, strict=True):
        z = outputs[-1] @ w + b
        pre.append(z)
        outputs.append(f.value(z))
    return pre, outputs


@dataclass
class Gradients:
    """dL/dW_l, dL/db_l, and dL/dh_l for every layer's output (the backpropagated signal)."""

    weights: list[Array]
    biases: list[Array]
    outputs: list[Array]


def backward(net: Network, f: Nonlinearity, pre: list[Array], outputs: list[Array], upstream: Array) -> Gradients:
    """Backpropagate ``upstream`` = dL/dh_L through every layer."""
    depth = len(net.weights)
    dw: list[Array] = [np.empty(0)] * depth
    db: list[Array] = [np.empty(0)] * depth
    dh: list[Array] = [np.empty(0)] * depth
    g = upstream
    for layer in reversed(range(depth)):
        dh[layer] = g
        delta = g * f.grad(pre[layer])
        dw[layer] = outputs[layer].T @ delta
        db[layer] = delta.sum(axis=0)
        g = delta @ net.weights[layer].T
    return Gradients(dw, db, dh)


@dataclass(frozen=True)
class FlowResult:
    """Gradient norms per layer, layer 1 nearest the input."""

    weight_grad_norms: list[float]
    output_grad_norms: list[float]
    activation_std: list[float]
    zero_fraction: list[float]


def gradient_flow(
    functions: Sequence[Nonlinearity], depth: int, width: int, batch: int, init: Init, std: float, seed: int
) -> list[FlowResult]:
    """Forward a N(0, 1) batch through a random ``depth`` x ``width`` network, backward the gradient of sum(h_L).

    Every function runs on the same weights and the same batch, so the curves compare fairly.
    """
    rng = np.random.default_rng(seed)
    net = random_network(rng, [width] * (depth + 1), init, std)
    x = rng.standard_normal((batch, width))
    results = []
    with np.errstate(all="ignore"), threadpool_limits(limits=1, user_api="blas"):
        for f in functions:
            pre, outputs = forward(net, f, x)
            grads = backward(net, f, pre, outputs, np.ones_like(outputs[-1]))
            results.append(
                FlowResult(
                    weight_grad_norms=[float(np.linalg.norm(g)) for g in grads.weights],
                    output_grad_norms=[float(np.linalg.norm(g)) for g in grads.outputs],
                    activation_std=[float(np.std(h)) for h in outputs[1:]],
                    zero_fraction=[float(np.mean(h == 0.0)) for h in outputs[1:]],
                )
            )
    return results


# The synthetic regression task of the training runs: y = sin(x · u) with x ~ N(0, I), u ~ N(0, I/d).
TASK_INPUTS = 16
TASK = (
    f"y = sin(x·u), x ~ N(0, I_{TASK_INPUTS}), u ~ N(0, I/{TASK_INPUTS}) fixed by the seed; "
    "loss = mean Huber loss (delta = 1) of a linear read-out of the last layer"
)
# Huber's gradient is bounded, so a high learning rate makes large steps without the loss overflowing.
HUBER_DELTA = 1.0


def huber(residual: Array) -> Array:
    """Huber loss per example: r²/2 within ±delta, linear outside."""
    a = np.abs(residual)
    return np.where(a <= HUBER_DELTA, 0.5 * residual**2, HUBER_DELTA * (a - 0.5 * HUBER_DELTA))


def _task(rng: np.random.Generator, u: Array, n: int) -> tuple[Array, Array]:
    x = rng.standard_normal((n, TASK_INPUTS))
    return x, np.sin(x @ u)


@dataclass(frozen=True)
class Checkpoint:
    step: int
    loss: float
    dead_fraction: list[float]


@dataclass(frozen=True)
class TrainingResult:
    checkpoints: list[Checkpoint]
    final_loss: float | None
    diverged_at_step: int | None


def _predict(net: Network, f: Nonlinearity, x: Array) -> tuple[list[Array], list[Array], Array]:
    pre, outputs = forward(net, f, x)
    assert net.head is not None
    return pre, outputs, (outputs[-1] @ net.head)[:, 0] + net.head_bias


def _probe(net: Network, f: Nonlinearity, x: Array, y: Array, step: int) -> Checkpoint:
    _, outputs, prediction = _predict(net, f, x)
    loss = float(np.mean(huber(prediction - y)))
    # A unit is dead when its output is exactly zero for every probe example.
    dead = [float(np.mean(np.all(h == 0.0, axis=0))) for h in outputs[1:]]
    return Checkpoint(step, loss, dead)


def checkpoint_steps(steps: int, count: int) -> list[int]:
    """``count`` + 1 evenly spaced steps from 0 to ``steps``, without repeats."""
    return sorted({round(i * steps / count) for i in range(count + 1)})


def train_sgd(
    f: Nonlinearity,
    depth: int,
    width: int,
    batch: int,
    steps: int,
    lr: float,
    init: Init,
    std: float,
    seed: int,
    checkpoints: int,
) -> TrainingResult:
    """Plain SGD (no momentum, no weight decay) on the synthetic task, a fresh batch each step.

    Dead units are counted on a fixed probe batch of the same size at each checkpoint.
    Training stops at the first step whose loss or weights are not finite.
    """
    rng = np.random.default_rng(seed)
    net = random_network(rng, [TASK_INPUTS] + [width] * depth, init, std, head=True)
    assert net.head is not None
    u = rng.standard_normal(TASK_INPUTS) / np.sqrt(TASK_INPUTS)
    probe_x, probe_y = _task(rng, u, batch)
    wanted = set(checkpoint_steps(steps, checkpoints))
    history = [_probe(net, f, probe_x, probe_y, 0)]
    with np.errstate(all="ignore"), threadpool_limits(limits=1, user_api="blas"):
        for step in range(1, steps + 1):
            x, y = _task(rng, u, batch)
            pre, outputs, prediction = _predict(net, f, x)
            residual = np.clip(prediction - y, -HUBER_DELTA, HUBER_DELTA) / batch
            upstream = residual[:, None] * net.head.T
            grads = backward(net, f, pre, outputs, upstream)
            net.head = net.head - lr * (outputs[-1].T @ residual[:, None])
            net.head_bias -= lr * float(residual.sum())
            for layer in range(depth):
                net.weights[layer] -= lr * grads.weights[layer]
                net.biases[layer] -= lr * grads.biases[layer]
            if not (np.isfinite(net.head).all() and all(np.isfinite(w).all() for w in net.weights)):
                return TrainingResult(history, None, step)
            if step in wanted:
                history.append(_probe(net, f, probe_x, probe_y, step))
    final = history[-1].loss
    return TrainingResult(history, final if np.isfinite(final) else None, None)
