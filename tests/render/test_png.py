import io
import zlib

import numpy as np
import pytest
from PIL import Image as PILImage

from app.render.canvas import png_bytes


@pytest.mark.parametrize(("height", "width"), [(1, 1), (3, 5), (480, 640)])
def test_png_bytes_decode_to_the_same_pixels(height: int, width: int) -> None:
    rgb = np.random.default_rng(height * width).integers(0, 256, (height, width, 3), dtype=np.uint8)
    decoded = PILImage.open(io.BytesIO(png_bytes(rgb)))
    assert decoded.mode == "RGB"
    assert decoded.size == (width, height)
    assert np.array_equal(np.asarray(decoded), rgb)


def test_png_bytes_have_valid_chunks_and_no_metadata() -> None:
    data = png_bytes(np.zeros((2, 2, 3), dtype=np.uint8))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, kinds = 8, []
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        crc = int.from_bytes(data[position + 8 + length : position + 12 + length], "big")
        assert crc == zlib.crc32(kind + body)
        kinds.append(kind)
        position += 12 + length
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]
