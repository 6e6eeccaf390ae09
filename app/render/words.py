"""Every word the plots draw, in English and in Japanese (the article's own words), in one table."""

from __future__ import annotations

from enum import StrEnum


class Lang(StrEnum):
    en = "en"
    ja = "ja"


# Japanese follows the article: "ReLU関数" for its figures, "ReLUの導関数" for a derivative, "飽和",
# "レイヤー", and "非活性化" for a unit that has died. Symbols read the same in both languages.
WORDS: dict[str, dict[Lang, str]] = {
    # Panel titles of one function, top to bottom; an expression's top panel is the expression itself.
    "function": {Lang.en: "{name}", Lang.ja: "{name}関数"},
    "with parameters": {Lang.en: "{title} ({params})", Lang.ja: "{title} ({params})"},
    "derivative 1": {Lang.en: "Derivative of {name}", Lang.ja: "{name}の導関数"},
    "derivative 2": {Lang.en: "Second derivative of {name}", Lang.ja: "{name}の2階導関数"},
    "derivative 3": {Lang.en: "Third derivative of {name}", Lang.ja: "{name}の3階導関数"},
    # Panel titles of an overlay below the top one.
    "derivatives 1": {Lang.en: "Derivatives", Lang.ja: "導関数"},
    "derivatives 2": {Lang.en: "Second derivatives", Lang.ja: "2階導関数"},
    "derivatives 3": {Lang.en: "Third derivatives", Lang.ja: "3階導関数"},
    "curves": {Lang.en: "{count} curves", Lang.ja: "{count}本の曲線"},
    # Axis labels.
    "x": {Lang.en: "x", Lang.ja: "x"},
    "f 0": {Lang.en: "f(x)", Lang.ja: "f(x)"},
    "f 1": {Lang.en: "f′(x)", Lang.ja: "f′(x)"},
    "f 2": {Lang.en: "f″(x)", Lang.ja: "f″(x)"},
    "f 3": {Lang.en: "f‴(x)", Lang.ja: "f‴(x)"},
    # Shades and marks.
    "saturated": {Lang.en: "saturated: |f′| < {eps}", Lang.ja: "飽和: |f′| < {eps}"},
    "zero": {Lang.en: "f(x) = 0 exactly", Lang.ja: "f(x) = 0 (厳密に0)"},
    "zero of f": {Lang.en: "zero of f", Lang.ja: "fの零点"},
    # Precision.
    "label in dtype": {Lang.en: "{label} ({dtype})", Lang.ja: "{label} ({dtype})"},
    "in dtype": {Lang.en: "{title} in {dtype}", Lang.ja: "{dtype}での{title}"},
    "exact": {Lang.en: "{label} (exact)", Lang.ja: "{label} (厳密値)"},
    "gradient zero in dtype": {Lang.en: "f′ = 0 exactly in {dtype}", Lang.ja: "{dtype}でf′ = 0 (厳密に0)"},
    "gradient zero in": {Lang.en: "f′ = 0 in {dtype}", Lang.ja: "{dtype}でf′ = 0"},
    "precision": {Lang.en: "|f′| of {label} by precision", Lang.ja: "精度ごとの{label}の|f′|"},
    "|f′|": {Lang.en: "|f′(x)|", Lang.ja: "|f′(x)|"},
    # Gradient flow and dead units.
    "gradient flow": {
        Lang.en: "Gradient norm per layer ({depth} x {width}, {init} init)",
        Lang.ja: "レイヤーごとの勾配ノルム ({depth} × {width}, {init}初期化)",
    },
    "layer": {Lang.en: "layer (1 = input side)", Lang.ja: "レイヤー (1 = 入力側)"},
    "|dL/dh|": {Lang.en: "|dL/dh|", Lang.ja: "|dL/dh|"},
    "dead units": {
        Lang.en: "Dead units, SGD at lr {lr} ({depth} x {width}, {init} init)",
        Lang.ja: "非活性化したユニット: SGD, 学習率 {lr} ({depth} × {width}, {init}初期化)",
    },
    "step": {Lang.en: "step", Lang.ja: "ステップ"},
    "dead fraction": {Lang.en: "fraction of units dead", Lang.ja: "非活性化したユニットの割合"},
    "diverged": {Lang.en: "{label} (diverged at step {step})", Lang.ja: "{label} (ステップ{step}で発散)"},
}


def say(key: str, lang: Lang, **fields: object) -> str:
    """The words ``key`` in ``lang``, with ``fields`` filled in."""
    return WORDS[key][lang].format(**fields)
