import struct
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable

import numpy as np
import pytest
from matplotlib.figure import Figure

from app.render import (
    MAX_SERIES,
    Curve,
    Image,
    ImageFormat,
    ImageOptions,
    Kink,
    Line,
    Marks,
    Shade,
    Theme,
    charts,
    render_function,
    render_lines,
    render_overlay,
)
from app.render.canvas import clear_pool
from app.render.style import LINE_STYLES, PALETTES

X = np.linspace(-5.0, 5.0, 101)
# ReLU at 0: f and its first three derivatives taken as 0; only f′ jumps (from 0 to 1).
RELU_KINK = Kink(0.0, (0.0, 0.0, 0.0, 0.0), (None, 0.0, None, None), (None, 1.0, None, None))
RELU_ORDERS = (np.maximum(X, 0.0), (X > 0).astype(float), np.zeros_like(X), np.zeros_like(X))
TANH_ORDERS = (
    np.tanh(X),
    1 - np.tanh(X) ** 2,
    -2 * np.tanh(X) * (1 - np.tanh(X) ** 2),
    -2 * (1 - np.tanh(X) ** 2) * (1 - 3 * np.tanh(X) ** 2),
)
PANELS = (1, 2, 3, 4)


def relu(options: ImageOptions, label: str = "ReLU", panels: int = 2) -> Image:
    return render_function(X, RELU_ORDERS[:panels], label=label, options=options, kinks=[RELU_KINK])


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("panels", PANELS)
@pytest.mark.parametrize(
    ("width", "height", "scale"),
    [(640, 480, 1), (100, 100, 1), (113, 257, 3), (640, 480, 2), (1999, 101, 1), (333, 777, 4), (1600, 900, 1)],
)
def test_png_is_exactly_width_times_scale_by_height_times_scale(
    width: int, height: int, scale: int, panels: int
) -> None:
    image = relu(ImageOptions(width, height, scale), panels=panels)
    assert image.format is ImageFormat.png
    assert image.media_type == "image/png"
    assert png_size(image.data) == (width * scale, height * scale)
    overlay = render_overlay(
        X,
        [Curve("ReLU", RELU_ORDERS[:panels]), Curve("tanh", TANH_ORDERS[:panels])],
        options=ImageOptions(width, height, scale),
    )
    assert png_size(overlay.data) == (width * scale, height * scale)


def test_svg_is_well_formed_with_css_size_and_titles() -> None:
    image = relu(ImageOptions(500, 300, format=ImageFormat.svg), label="Leaky ReLU")
    assert image.media_type == "image/svg+xml"
    root = ET.fromstring(image.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (root.get("width"), root.get("height")) == ("500px", "300px")
    assert root.findtext("{http://www.w3.org/2000/svg}title") == "Leaky ReLU"
    # Text is drawn as paths; matplotlib names each text in a comment beside it.
    assert b"<!-- Leaky ReLU -->" in image.data
    assert b"<!-- Derivative of Leaky ReLU -->" in image.data


def test_one_panel_without_derivative() -> None:
    image = render_function(X, [X], label="Identity", options=ImageOptions(format=ImageFormat.svg))
    assert b"<!-- Identity -->" in image.data
    assert b"Derivative" not in image.data


@pytest.mark.parametrize("panels", PANELS)
@pytest.mark.parametrize("options", [ImageOptions(), ImageOptions(100, 100), ImageOptions(320, 240, 2, Theme.dark)])
def test_equal_inputs_give_equal_bytes_from_fresh_and_reused_figures(options: ImageOptions, panels: int) -> None:
    for fmt in ImageFormat:
        options = ImageOptions(options.width, options.height, options.scale, options.theme, format=fmt)
        clear_pool()
        fresh = relu(options, panels=panels).data
        clear_pool()
        fresh_overlay = render_overlay(X, [Curve("ReLU", RELU_ORDERS[:panels], (RELU_KINK,))], options=options).data
        # Something else drawn on the kept figure in between must leave no trace: other data,
        # a legend, shades, marks, longer titles and labels, other ticks.
        other = render_overlay(
            X * 1e4,
            [
                Curve("tanh", tuple(o * 1e-3 for o in TANH_ORDERS[:panels])),
                Curve("a much longer label " * 4, RELU_ORDERS[:panels]),
            ],
            options=options,
            title="a title far too long for the figure " * 3,
            shades=[Shade("s", ((1.0, 5.0),))],
            marks=[Marks("m", (0.0,))],
        )
        assert other.data != fresh
        assert relu(options, panels=panels).data == fresh
        assert (
            render_overlay(X, [Curve("ReLU", RELU_ORDERS[:panels], (RELU_KINK,))], options=options).data
            == fresh_overlay
        )


def test_light_and_dark_themes_and_grid_differ() -> None:
    light = relu(ImageOptions()).data
    assert relu(ImageOptions(theme=Theme.dark)).data != light
    assert relu(ImageOptions(grid=False)).data != light


def test_concurrent_rendering_gives_the_same_bytes_as_serial() -> None:
    jobs: list[Callable[[], Image]] = [
        lambda: relu(ImageOptions()),
        lambda: relu(ImageOptions(300, 200, 2, Theme.dark)),
        lambda: relu(ImageOptions(format=ImageFormat.svg)),
        lambda: render_lines(
            [Line("a", X, np.exp(X)), Line("b", X, np.exp(-X))], options=ImageOptions(), title="t", log_y=True
        ),
    ]
    serial = [job().data for job in jobs]
    results: dict[tuple[int, int], bytes] = {}
    errors: list[BaseException] = []

    def worker(thread: int) -> None:
        try:
            for round_ in range(2):
                for index, job in enumerate(jobs):
                    results[(thread, round_ * len(jobs) + index)] = job().data
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 3 * 2 * len(jobs)
    for (_, index), data in results.items():
        assert data == serial[index % len(jobs)]


def test_overlay_series_have_distinct_colours_and_dash_patterns() -> None:
    for theme in Theme:
        colours = PALETTES[theme].series
        assert len(set(colours)) == MAX_SERIES
    assert len(set(map(str, LINE_STYLES))) == MAX_SERIES


def test_nan_and_inf_leave_gaps_instead_of_failing() -> None:
    y = np.where(X < 0, np.nan, np.sqrt(np.abs(X)))
    dy = np.where(X <= 0, np.nan, 0.5 / np.sqrt(np.abs(X) + 1e-300))
    dy[-1] = np.inf
    nothing = np.full_like(X, np.nan)
    curves = [Curve("sqrt", (y, dy, -dy / X, dy)), Curve("nothing", (nothing,) * 4)]
    image = render_overlay(X, curves, options=ImageOptions())
    assert png_size(image.data) == (640, 480)
    empty = render_function(X, [nothing], label="undefined", options=ImageOptions())
    assert png_size(empty.data) == (640, 480)


def test_overlay_takes_one_to_eight_curves() -> None:
    curves = [Curve(f"x*{k}", (X * k, np.full_like(X, k))) for k in range(1, MAX_SERIES + 1)]
    assert render_overlay(X, curves, options=ImageOptions()).data
    with pytest.raises(ValueError, match="1 to 8"):
        render_overlay(X, [*curves, curves[0]], options=ImageOptions())
    with pytest.raises(ValueError, match="1 to 8"):
        render_overlay(X, [], options=ImageOptions())


def test_shades_and_marks_get_legend_entries() -> None:
    image = render_function(
        X,
        TANH_ORDERS,
        label="Tanh",
        options=ImageOptions(format=ImageFormat.svg),
        shades=[Shade("saturation", ((-5.0, -2.0), (2.0, 5.0)))],
        marks=[Marks("zeros", (0.0,))],
    )
    assert b"<!-- saturation -->" in image.data
    assert b"<!-- zeros -->" in image.data


def test_line_chart_with_log_y_ignores_non_positive_values() -> None:
    y = np.exp(-X)
    y[:10] = 0.0
    y[10] = -1.0
    image = render_lines(
        [Line("gradient", X, y)], options=ImageOptions(format=ImageFormat.svg), title="Gradient flow", log_y=True
    )
    assert b"<!-- Gradient flow -->" in image.data
    ET.fromstring(image.data)


SIZES = [(100, 100), (100, 4000), (4000, 100), (640, 480), (1600, 900), (320, 240), (200, 400), (150, 120)]


@pytest.mark.parametrize("panels", PANELS)
@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize(
    ("label", "scale_y", "theme"),
    [
        ("Leaky ReLU (negative_slope=0.01)", 1.0, Theme.light),
        ("ReLU", 1e6, Theme.dark),
        ("ReLU", 1e-7, Theme.light),
        ("ReLU", -3e5, Theme.dark),
    ],
)
def test_no_text_is_clipped(
    clipped: list[list[str]], width: int, height: int, label: str, scale_y: float, panels: int, theme: Theme
) -> None:
    x = np.linspace(-1e5, 3e5, 50)
    orders = (np.maximum(x, 0) * scale_y, (x > 0) * scale_y, x * 0.0, np.cos(x / 1e5) * scale_y * 1e3)
    render_function(x, orders[:panels], label=label, options=ImageOptions(width, height, theme=theme))
    assert clipped == [[]]


@pytest.mark.parametrize("theme", Theme)
@pytest.mark.parametrize("panels", PANELS)
@pytest.mark.parametrize(
    ("width", "height"), [(100, 100), (640, 480), (100, 1000), (1200, 150), (320, 240), (200, 400)]
)
def test_no_text_is_clipped_in_overlays_and_line_charts(
    clipped: list[list[str]], width: int, height: int, panels: int, theme: Theme
) -> None:
    options = ImageOptions(width, height, theme=theme)
    long = "a rather long expression: 2 * sigmoid(2 * x) - 1 + 0 * softplus(x, beta=3)"
    curves = [Curve(long, TANH_ORDERS[:panels]), Curve("ReLU", RELU_ORDERS[:panels], (RELU_KINK,))]
    render_overlay(
        X, curves, options=options, shades=[Shade("saturation", ((2.0, 5.0),))], marks=[Marks("zeros", (0.0,))]
    )
    layers = np.arange(1.0, 60.0)
    lines = [Line(f"{long} {k}", layers, 0.5 ** (layers / k)) for k in range(1, 4)]
    render_lines(lines, options=options, title=long, xlabel="layer", ylabel="gradient norm", log_y=True)
    assert clipped == [[], []]


EXTREMES = {
    "huge of both signs": np.array([-1.7e308, 1e300, -1e300, 0.0, 1.7e308] * 20),
    "tiny": np.full(100, 5e-324),
    "constant": np.full(100, 3.0),
    "constant zero": np.zeros(100),
    "one finite point": np.where(np.arange(100) == 50, 1.0, np.nan),
    "all infinite": np.full(100, np.inf),
    "steps of 1e-15 near 1e6": 1e6 + np.arange(100) * 1e-15 * 1e6,
}


@pytest.mark.parametrize("name", EXTREMES)
def test_extreme_values_draw_without_errors_or_clipped_text(clipped: list[list[str]], name: str) -> None:
    values = EXTREMES[name]
    x = np.linspace(-1e6, 1e6, values.size)
    for fmt in ImageFormat:
        options = ImageOptions(300, 200, format=fmt)
        render_function(x, (values, values[::-1], values, values[::-1]), label=name, options=options)
        render_lines([Line(name, x, np.abs(values))], options=options, title=name, log_y=True)
    assert clipped == [[]] * 4


def test_derivative_jumps_at_a_kink_with_a_gap_and_no_vertical_segment() -> None:
    dy = (X > 0).astype(float)
    xs, ys = charts._with_kinks(X, dy, [RELU_KINK], 1)
    at_kink = np.flatnonzero(xs == 0.0)
    assert at_kink.size == 3
    assert ys[at_kink[0]] == 0.0 and np.isnan(ys[at_kink[1]]) and ys[at_kink[2]] == 1.0
    assert np.all(np.diff(xs) >= 0)
    xs, ys = charts._with_kinks(X, np.maximum(X, 0.0), [RELU_KINK], 0)
    assert np.count_nonzero(xs == 0.0) == 2
    assert not np.isnan(ys).any()


def test_a_step_in_f_is_drawn_as_a_gap_between_its_limits() -> None:
    step = Kink(0.0, (1.0, 0.0), left=(0.0, None), right=(1.0, None))
    xs, ys = charts._with_kinks(X, (X >= 0).astype(float), [step], 0)
    at_kink = np.flatnonzero(xs == 0.0)
    assert at_kink.size == 3
    assert ys[at_kink[0]] == 0.0 and np.isnan(ys[at_kink[1]]) and ys[at_kink[2]] == 1.0
    assert Kink(0.0, (0.0,), left=(2.0,), right=(2.0,)).limits(0) is None


def test_every_order_jumps_or_bends_exactly_at_a_kink_between_grid_points() -> None:
    # ELU (alpha=1) at 0.05, off the grid: f and f′ continuous, f″ and f‴ jump from 1 to 0.
    x = np.linspace(-1.0, 1.0, 20)
    at = 0.05
    below = np.exp(x - at)
    orders = (np.where(x > at, x - at, below - 1), np.where(x > at, 1.0, below), np.where(x > at, 0.0, below))
    kink = Kink(at, (0.0, 1.0, 1.0, 1.0), (None, None, 1.0, 1.0), (None, None, 0.0, 0.0))
    for order, values in enumerate(orders[:2]):
        xs, ys = charts._with_kinks(x, values, [kink], order)
        (inserted,) = np.flatnonzero(xs == at)
        assert ys[inserted] == kink.values[order] and np.all(np.diff(xs) >= 0) and not np.isnan(ys).any()
    xs, ys = charts._with_kinks(x, orders[2], [kink], 2)
    at_kink = np.flatnonzero(xs == at)
    assert list(ys[at_kink[[0, 2]]]) == [1.0, 0.0] and np.isnan(ys[at_kink[1]])
    # A value not defined at the kink is not put in the line.
    undefined = Kink(at, (0.0, float("nan")))
    xs, _ = charts._with_kinks(x, orders[1], [undefined], 1)
    assert at not in xs


def test_a_jump_at_an_end_of_the_range_starts_the_line_at_the_inner_limit() -> None:
    x = np.linspace(0.0, 1.0, 11)
    xs, ys = charts._with_kinks(x, (x > 0).astype(float), [RELU_KINK], 1)
    assert xs[0] == 0.0 and ys[0] == 1.0
    x = np.linspace(-1.0, 0.0, 11)
    xs, ys = charts._with_kinks(x, (x > 0).astype(float), [Kink(0.0, (0.0, 1.0), (None, 0.0), (None, 1.0))], 1)
    assert xs[-1] == 0.0 and ys[-1] == 0.0


def test_line_chart_of_counts_keeps_x_ticks_on_whole_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks: list[list[float]] = []
    encode = charts.encode

    def recorded(figure: Figure, options: ImageOptions, title: str) -> object:
        ticks.append([float(v) for v in figure.axes[0].get_xticks()])
        return encode(figure, options, title)

    monkeypatch.setattr(charts, "encode", recorded)
    layers = np.arange(1.0, 4.0)
    # The second chart reuses the first one's figure: whole-number ticks must not stick to it.
    for integer_x in (True, False):
        render_lines([Line("ReLU", layers, layers)], options=ImageOptions(), title="layers", integer_x=integer_x)
    assert ticks[0] == [1.0, 2.0, 3.0]
    assert any(v != int(v) for v in ticks[1])
