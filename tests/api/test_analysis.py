"""The analysis endpoints: results, reproducibility, bounds and errors."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import settings
from app.core import analysis

DEAD_RUN_FIELDS = (
    "label",
    "steps",
    "loss",
    "dead_fraction",
    "dead_fraction_per_layer",
    "final_loss",
    "diverged_at_step",
)


def strict_json(text: str) -> Any:
    """Parse JSON, failing on NaN or Infinity."""

    def reject(constant: str) -> None:
        raise AssertionError(f"non-finite number {constant} in the response")

    return json.loads(text, parse_constant=reject)


def details(response: Any) -> list[dict[str, Any]]:
    detail = response.json()["detail"]
    assert isinstance(detail, list)
    return detail


# --- /v1/activations/{name}/analysis -------------------------------------------------------------


def test_relu_analysis_reports_sparsity_saturation_and_gradient(client: TestClient) -> None:
    response = client.get("/v1/activations/relu/analysis")
    assert response.status_code == 200
    body = strict_json(response.text)
    assert body["name"] == "relu"
    assert abs(body["sparsity"]["fraction_zero"] - 0.5) < 4 * math.sqrt(0.25 / settings.ANALYSIS_DEFAULT_SAMPLES)
    assert body["sparsity"]["zero_intervals"] == [[-5.0, 0.0]]
    assert body["saturation"]["intervals"] == [[-5.0, 0.0]]
    assert body["saturation"]["fraction_of_range"] == 0.5
    assert body["gradient"]["at_zero"] == 0.0
    assert body["gradient"]["max_abs"] == 1.0
    assert body["outputs"]["samples"] == settings.ANALYSIS_DEFAULT_SAMPLES


def test_sigmoid_analysis_finds_the_analytic_saturation_edge(client: TestClient) -> None:
    response = client.get("/v1/activations/sigmoid/analysis", params={"x_min": -10, "x_max": 10, "eps": 0.0025})
    assert response.status_code == 200
    body = response.json()
    s = (1 - math.sqrt(1 - 0.01)) / 2
    edge = -math.log(s / (1 - s))
    (left, right) = body["saturation"]["intervals"]
    assert left[0] == -10.0 and left[1] == pytest.approx(-edge, abs=1e-9)
    assert right[0] == pytest.approx(edge, abs=1e-9) and right[1] == 10.0
    assert body["saturation"]["eps_rule"] == "|f'(x)| < 0.0025"
    assert body["saturation"]["why"] == "the threshold given as eps"
    assert body["gradient"]["gain_bound"] == pytest.approx(0.25**10)


@pytest.mark.parametrize(
    ("name", "left", "right"),
    [("sigmoid", True, True), ("tanh", True, True), ("relu", True, False), ("elu", True, False)],
)
def test_saturation_on_the_articles_range_states_its_threshold_and_why(
    client: TestClient, name: str, left: bool, right: bool
) -> None:
    response = client.get(f"/v1/activations/{name}/analysis")
    assert response.status_code == 200
    saturation = response.json()["saturation"]
    assert (saturation["left"], saturation["right"]) == (left, right)
    assert saturation["eps"] == 0.1
    assert saturation["eps_rule"] == "|f'(x)| < 0.1"
    assert "vanishing gradient" in saturation["why"]


def test_output_range_follows_the_parameters(client: TestClient) -> None:
    assert client.get("/v1/activations/elu/analysis", params={"alpha": 2}).json()["output_range"] == [-2.0, None]
    assert client.get("/v1/activations/elu/analysis").json()["output_range"] == [-1.0, None]
    assert client.get("/v1/activations/sigmoid/analysis").json()["output_range"] == [0.0, 1.0]
    response = client.get("/v1/expressions/analysis", params={"expr": "tanh(x) * 3"})
    assert response.status_code == 200
    assert response.json()["output_range"] == [-3.0, 3.0]


def test_smoothness_follows_the_parameters(client: TestClient) -> None:
    # ELU's f′ is α·e^x on the left and 1 on the right: continuous at 0 only for α = 1.
    assert client.get("/v1/activations/elu/analysis", params={"alpha": 2}).json()["smoothness"] == 0
    assert client.get("/v1/activations/elu/analysis").json()["smoothness"] == 1
    assert client.get("/v1/activations/gelu/analysis").json()["smoothness"] == "infinite"
    assert client.get("/v1/activations/binary_step/analysis").json()["smoothness"] == -1
    assert client.get("/v1/expressions/analysis", params={"expr": "abs(x)"}).json()["smoothness"] is None


def test_analysis_takes_the_functions_parameters(client: TestClient) -> None:
    response = client.get("/v1/activations/leaky_relu/analysis", params={"negative_slope": 0.3})
    assert response.status_code == 200
    body = response.json()
    assert body["params"] == {"negative_slope": 0.3}
    assert body["gradient"]["at_zero"] == 0.3
    assert body["sparsity"]["fraction_zero"] == 0.0


def test_analysis_request_url_reproduces_the_response(client: TestClient) -> None:
    first = client.get("/v1/activations/elu/analysis", params={"alpha": 0.5, "sigma": 2, "samples": 5000, "seed": 9})
    assert first.status_code == 200
    url = first.json()["request"]
    assert "seed=9" in url and "alpha=0.5" in url and "samples=5000" in url
    again = client.get(url)
    assert again.status_code == 200
    assert again.json() == first.json()


def test_analysis_seed_changes_the_sample(client: TestClient) -> None:
    a = client.get("/v1/activations/relu/analysis", params={"seed": 1}).json()
    b = client.get("/v1/activations/relu/analysis", params={"seed": 2}).json()
    assert a["sparsity"]["fraction_zero"] != b["sparsity"]["fraction_zero"]


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ({"eps": -1}, "eps"),
        ({"samples": settings.ANALYSIS_MAX_SAMPLES + 1}, "samples"),
        ({"depth": settings.NETWORK_MAX_DEPTH + 1}, "depth"),
        ({"sigma": 0}, "sigma"),
        ({"negative_slope": 0.1}, "negative_slope"),
    ],
)
def test_analysis_rejects_bad_input_with_422_naming_it(client: TestClient, query: dict[str, Any], where: str) -> None:
    response = client.get("/v1/activations/relu/analysis", params=query)
    assert response.status_code == 422
    assert details(response)[0]["loc"][-1] == where


def test_analysis_of_an_unknown_function_is_404(client: TestClient) -> None:
    response = client.get("/v1/activations/relux/analysis")
    assert response.status_code == 404
    assert "relu" in response.json()["suggestions"]


# --- /v1/analysis/gradient-flow ------------------------------------------------------------------


def test_gradient_flow_defaults_show_sigmoid_vanishing_and_relu_holding(client: TestClient) -> None:
    response = client.get("/v1/analysis/gradient-flow")
    assert response.status_code == 200
    body = strict_json(response.text)
    assert body["network"] | {"init_rule": None} == {
        "depth": 20,
        "width": 64,
        "batch": 256,
        "init": "he",
        "init_rule": None,
        "std": None,
        "seed": 0,
        "inputs": "N(0, 1)",
        "loss": body["network"]["loss"],
    }
    by_name = {series["f"]: series for series in body["functions"]}
    assert list(by_name) == ["relu", "sigmoid", "tanh"]
    assert all(len(series["output_grad_norm"]) == 20 for series in body["functions"])
    assert by_name["sigmoid"]["ratio_per_layer"] < 0.5
    assert 0.8 < by_name["relu"]["ratio_per_layer"] < 1.25
    assert body["request"].startswith("/v1/analysis/gradient-flow?f=relu&f=sigmoid&f=tanh&depth=20")


def test_gradient_flow_accepts_expressions(client: TestClient) -> None:
    response = client.get(
        "/v1/analysis/gradient-flow",
        params={"f": ["tanh", "2*sigmoid(2*x) - 1", "leaky_relu(x, negative_slope=0.2)"], "depth": 5, "width": 16},
    )
    assert response.status_code == 200
    series = response.json()["functions"]
    assert series[0]["f"] == "tanh"
    assert series[1]["output_grad_norm"] == pytest.approx(series[0]["output_grad_norm"], rel=1e-9)
    assert series[2]["label"] == "Leaky ReLU (negative_slope=0.2)"
    again = client.get(response.json()["request"])
    assert again.json() == response.json()


def test_gradient_flow_request_url_reproduces_the_response(client: TestClient) -> None:
    first = client.get("/v1/analysis/gradient-flow", params={"f": ["relu"], "init": "normal", "std": 0.05, "seed": 3})
    assert first.status_code == 200
    again = client.get(first.json()["request"])
    assert again.json() == first.json()


def test_an_exploding_network_answers_with_nulls_not_infinity(client: TestClient) -> None:
    response = client.get(
        "/v1/analysis/gradient-flow",
        params={"f": "relu", "init": "normal", "std": 10, "depth": 100, "width": 128, "batch": 4},
    )
    assert response.status_code == 200
    series = strict_json(response.text)["functions"][0]
    assert None in series["weight_grad_norm"]


@pytest.mark.parametrize(
    ("query", "where", "limit"),
    [
        ({"depth": 100, "width": 1024}, "width", "NETWORK_MAX_WEIGHTS"),
        ({"depth": 64, "width": 256, "batch": 4096}, "batch", "GRADIENT_FLOW_MAX_WORK"),
        ({"f": [f"relu(x) + {i}" for i in range(9)]}, "f", "ANALYSIS_MAX_CURVES"),
    ],
)
def test_gradient_flow_over_a_limit_is_422_naming_it(
    client: TestClient, query: dict[str, Any], where: str, limit: str
) -> None:
    response = client.get("/v1/analysis/gradient-flow", params=query)
    assert response.status_code == 422
    (error,) = details(response)
    assert error["loc"] == ["query", where]
    assert limit in error["msg"]


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ({"f": ["relu", "ReLU"]}, ["query", "f", 1]),
        ({"f": ["relu", "sigmoid(("]}, ["query", "f", 1]),
        ({"dpeth": 3}, ["query", "dpeth"]),
        ({"depth": settings.NETWORK_MAX_DEPTH + 1}, ["query", "depth"]),
        ({"width": settings.NETWORK_MAX_WIDTH + 1}, ["query", "width"]),
        ({"batch": settings.NETWORK_MAX_BATCH + 1}, ["query", "batch"]),
        ({"init": "orthogonal"}, ["query", "init"]),
    ],
)
def test_gradient_flow_rejects_bad_input(client: TestClient, query: dict[str, Any], where: list[Any]) -> None:
    response = client.get("/v1/analysis/gradient-flow", params=query)
    assert response.status_code == 422
    assert details(response)[0]["loc"] == where


def test_gradient_flow_plot_is_a_png_with_an_etag(client: TestClient) -> None:
    response = client.get("/v1/analysis/gradient-flow/plot", params={"depth": 8, "width": 16})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    cached = client.get(
        "/v1/analysis/gradient-flow/plot",
        params={"depth": 8, "width": 16},
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert cached.status_code == 304


def test_gradient_flow_plot_checks_its_limits_before_drawing(client: TestClient) -> None:
    response = client.get("/v1/analysis/gradient-flow/plot", params={"depth": 100, "width": 1024})
    assert response.status_code == 422
    assert "NETWORK_MAX_WEIGHTS" in details(response)[0]["msg"]


# --- /v1/analysis/dead-units ---------------------------------------------------------------------


def test_dead_units_default_run_kills_relu_units_and_spares_leaky_ones(client: TestClient) -> None:
    response = client.get("/v1/analysis/dead-units")
    assert response.status_code == 200
    body = strict_json(response.text)
    assert body["training"]["lr"] == 0.5 and body["training"]["steps"] == 200
    relu, leaky = body["functions"]
    assert (relu["f"], leaky["f"]) == ("relu", "leaky_relu")
    assert relu["steps"][0] == 0 and relu["steps"][-1] == 200 and len(relu["steps"]) == 21
    assert relu["final_dead_fraction"] > leaky["final_dead_fraction"] == 0.0
    assert len(relu["dead_fraction_per_layer"][-1]) == 4


@pytest.mark.parametrize(
    ("query", "where", "limit"),
    [
        ({"f": "relu", "depth": 4, "width": 256, "batch": 1024, "steps": 1000}, "steps", "DEAD_UNITS_MAX_WORK"),
        ({"f": "relu", "depth": 100, "width": 1, "batch": 1, "steps": 201}, "steps", "DEAD_UNITS_MAX_LAYER_STEPS"),
        ({"f": "relu", "depth": 100, "width": 1, "batch": 4096, "steps": 200}, "batch", "NETWORK_MAX_EVALUATIONS"),
        (
            {"f": "x * sigmoid(x)", "depth": 4, "width": 64, "batch": 2048, "steps": 20},
            "batch",
            "NETWORK_MAX_EVALUATIONS",
        ),
    ],
)
def test_dead_units_over_a_work_limit_is_422_naming_it(
    client: TestClient, query: dict[str, Any], where: str, limit: str
) -> None:
    response = client.get("/v1/analysis/dead-units", params=query)
    assert response.status_code == 422
    (error,) = details(response)
    assert error["loc"] == ["query", where]
    assert limit in error["msg"]


def test_dead_units_just_under_the_limits_runs(client: TestClient) -> None:
    # The same as the evaluation case above with a name (weight 1) instead of a 4-node expression.
    response = client.get(
        "/v1/analysis/dead-units", params={"f": "relu", "depth": 4, "width": 64, "batch": 2048, "steps": 20}
    )
    assert response.status_code == 200
    assert response.json()["functions"][0]["steps"][-1] == 20


def test_a_diverged_run_says_so_in_the_plot_legend(client: TestClient) -> None:
    from app.render.curves import run_label as _run_label

    body = client.get("/v1/analysis/dead-units", params={"f": "relu", "lr": 50, "batch": 128}).json()
    (run,) = body["functions"]
    assert run["diverged_at_step"] is not None and run["final_loss"] is None
    assert run["steps"][-1] < run["diverged_at_step"]
    fields = {k: run[k] for k in DEAD_RUN_FIELDS}
    assert _run_label(analysis.DeadRun(name=run["f"], **fields)) == f"ReLU (diverged at step {run['diverged_at_step']})"
    assert _run_label(analysis.DeadRun(name=run["f"], **{**fields, "diverged_at_step": None})) == "ReLU"
    plot = client.get("/v1/analysis/dead-units/plot", params={"f": "relu", "lr": 50, "batch": 128})
    assert plot.status_code == 200


def test_dead_units_plot_is_a_png(client: TestClient) -> None:
    response = client.get("/v1/analysis/dead-units/plot", params={"steps": 20, "width": 16, "format": "svg"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")


# --- /v1/analysis/cost ---------------------------------------------------------------------------


def test_cost_says_it_is_a_measurement_and_reports_each_function(client: TestClient) -> None:
    response = client.get("/v1/analysis/cost", params={"f": ["sigmoid", "gelu"], "n": 10_000, "repeats": 3})
    assert response.status_code == 200
    body = strict_json(response.text)
    assert "measurement, not a constant" in body["note"]
    assert (body["n"], body["repeats"], body["seed"]) == (10_000, 3, 0)
    assert body["baseline"]["f"] == "relu" and body["baseline"]["value_relative_to_relu"] == 1.0
    assert [c["f"] for c in body["functions"]] == ["sigmoid", "gelu"]
    for cost in body["functions"]:
        assert len(cost["value_repeats_ns_per_element"]) == 3
        assert cost["value_ns_per_element"] > 0 and cost["derivative_ns_per_element"] > 0
        assert cost["value_relative_to_relu"] > 0
    assert body["request"] == "/v1/analysis/cost?f=sigmoid&f=gelu&n=10000&repeats=3&seed=0"


def test_cost_over_the_work_limit_is_422(client: TestClient) -> None:
    response = client.get("/v1/analysis/cost", params={"n": settings.COST_MAX_N, "repeats": settings.COST_MAX_REPEATS})
    assert response.status_code == 422
    assert "COST_MAX_WORK" in details(response)[0]["msg"]


# --- shade=saturation,zeros on the plot endpoints ----------------------------------------------


def test_shading_computes_the_saturated_and_zero_intervals_for_the_renderer() -> None:
    from app.core import analysis, registry
    from app.core.evaluate import grid
    from app.render.curves import ShadeKind, overlays

    relu = registry.get("relu")
    shades, marks = overlays(analysis.bind(relu, {}), grid(-5, 5, 100), frozenset(ShadeKind))
    assert [(s.label, s.intervals) for s in shades] == [
        ("saturated: |f′| < 0.1", ((-5.0, 0.0),)),
        ("f(x) = 0 exactly", ((-5.0, 0.0),)),
    ]
    assert marks == []
    tanh = registry.get("tanh")
    shades, marks = overlays(analysis.bind(tanh, {}), grid(-5, 5, 100), frozenset({ShadeKind.zeros}))
    assert shades == []
    assert [(m.label, m.x) for m in marks] == [("zero of f", (0.0,))]


def test_function_plot_with_shading_is_a_different_picture(client: TestClient) -> None:
    plain = client.get("/v1/activations/sigmoid/plot", params={"x_min": -10, "x_max": 10})
    shaded = client.get("/v1/activations/sigmoid/plot", params={"x_min": -10, "x_max": 10, "shade": "saturation,zeros"})
    assert plain.status_code == shaded.status_code == 200
    assert shaded.headers["content-type"] == "image/png"
    assert shaded.headers["etag"] != plain.headers["etag"]
    same = client.get(
        "/v1/activations/sigmoid/plot",
        params=[("x_min", -10), ("x_max", 10), ("shade", "zeros"), ("shade", "saturation")],
    )
    assert same.headers["etag"] == shaded.headers["etag"]


def test_an_unknown_shade_is_422(client: TestClient) -> None:
    response = client.get("/v1/activations/relu/plot", params={"shade": "saturation,kinks"})
    assert response.status_code == 422
    (error,) = details(response)
    assert error["loc"] == ["query", "shade", 0]
    assert "kinks" in error["msg"]


def test_expression_plot_takes_shading_too(client: TestClient) -> None:
    params = {"expr": "2*sigmoid(2*x) - 1"}
    plain = client.get("/v1/expressions/plot", params=params)
    shaded = client.get("/v1/expressions/plot", params={**params, "shade": "saturation,zeros"})
    assert plain.status_code == shaded.status_code == 200
    assert shaded.headers["content-type"] == "image/png"
    assert shaded.headers["etag"] != plain.headers["etag"]
    assert client.get("/v1/expressions/plot", params={**params, "shade": "kinks"}).status_code == 422


# --- /v1/expressions/analysis --------------------------------------------------------------------


def test_expression_analysis_matches_the_function_it_equals(client: TestClient) -> None:
    ours = client.get("/v1/expressions/analysis", params={"expr": "2*sigmoid(2*x) - 1", "samples": 20_000})
    tanh = client.get("/v1/activations/tanh/analysis", params={"samples": 20_000})
    assert ours.status_code == tanh.status_code == 200
    a, b = ours.json(), tanh.json()
    assert a["params"] == {}
    assert a["saturation"]["intervals"] == [
        [pytest.approx(v, abs=1e-9) for v in i] for i in b["saturation"]["intervals"]
    ]
    assert a["outputs"]["mean"] == pytest.approx(b["outputs"]["mean"], abs=1e-12)
    assert a["gradient"]["max_abs"] == pytest.approx(1.0)
    again = client.get(a["request"])
    assert again.json() == a


def test_expression_analysis_of_a_parameterised_call_finds_its_zeros(client: TestClient) -> None:
    response = client.get("/v1/expressions/analysis", params={"expr": "softshrink(x, lambd=1)"})
    assert response.status_code == 200
    body = response.json()
    assert body["label"] == "Softshrink (lambd=1)"
    assert body["sparsity"]["zero_intervals"] == [[pytest.approx(-1.0, abs=1e-12), pytest.approx(1.0, abs=1e-12)]]


def test_expression_analysis_rejects_a_bad_expression_and_too_much_work(client: TestClient) -> None:
    bad = client.get("/v1/expressions/analysis", params={"expr": "sigmoid(("})
    assert bad.status_code == 422
    assert details(bad)[0]["loc"] == ["query", "expr"]
    heavy = client.get(
        "/v1/expressions/analysis", params={"expr": "+".join(["x*sigmoid(x)"] * 20), "samples": 1_000_000}
    )
    assert heavy.status_code == 422
    assert details(heavy)[0]["loc"] == ["query", "samples"]


def test_dead_units_defaults_fit_the_limits_with_four_functions(client: TestClient) -> None:
    response = client.get("/v1/analysis/dead-units", params={"f": ["relu", "leaky_relu", "elu", "gelu"]})
    assert response.status_code == 200
    assert [series["f"] for series in response.json()["functions"]] == ["relu", "leaky_relu", "elu", "gelu"]
