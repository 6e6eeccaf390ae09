"""Japanese text is drawn with real glyphs; a character no font has warns and is logged."""

from __future__ import annotations

import io
import itertools
import logging
import warnings

import numpy as np
import pytest
from PIL import Image as PILImage

from app.render import ImageOptions, Lang, Line, missing_glyphs, render_function, render_lines
from app.render.words import WORDS

X = np.linspace(-5.0, 5.0, 101)
# Egyptian hieroglyph A001: printable, and in neither DejaVu Sans nor IPAexGothic.
NO_FONT_HAS = "\N{EGYPTIAN HIEROGLYPH A001}"


def pixels(title: str) -> np.ndarray:
    """The PNG of a small chart titled ``title`` (and with it as legend label), decoded."""
    image = render_lines([Line(title, X, X)], options=ImageOptions(200, 150), title=title)
    return np.asarray(PILImage.open(io.BytesIO(image.data)).convert("RGB"))


def test_every_word_of_the_table_is_in_both_languages_and_drawable() -> None:
    for key, words in WORDS.items():
        assert set(words) == set(Lang), key
        for text in words.values():
            assert missing_glyphs(text) == "", (key, text)
    # The Japanese differs from the English wherever there are words to translate.
    assert WORDS["derivative 1"][Lang.ja] == "{name}の導関数"
    assert WORDS["function"][Lang.ja] == "{name}関数"


def test_japanese_characters_are_drawn_as_distinct_glyphs_not_boxes() -> None:
    """A missing glyph is drawn as one and the same box: each character's picture must differ from the others'
    and from the box's."""
    drawn = {char: pixels(char) for char in "ランプ関数"}
    with pytest.warns(UserWarning, match="missing from font"):
        drawn[NO_FONT_HAS] = pixels(NO_FONT_HAS)
    for (a, first), (b, second) in itertools.combinations(drawn.items(), 2):
        assert first.shape == second.shape
        assert not np.array_equal(first, second), (a, b)


def test_a_label_in_japanese_renders_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for lang in Lang:
            render_function(
                X, [np.maximum(X, 0.0), (X > 0) * 1.0], label="ReLU（ランプ関数）", options=ImageOptions(lang=lang)
            )


def test_a_character_no_font_has_warns_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    assert missing_glyphs(f"ReLU {NO_FONT_HAS}関数") == NO_FONT_HAS
    with caplog.at_level(logging.WARNING, logger="app.render.charts"), pytest.warns(UserWarning, match="missing"):
        render_function(X, [X], label=f"f {NO_FONT_HAS}", options=ImageOptions())
    assert any(NO_FONT_HAS in record.getMessage() for record in caplog.records)
