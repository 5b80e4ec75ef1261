"""The photo pipeline: metadata gone, orientation in the pixels, size bounded."""

import io

import pytest
from PIL import Image

from patrol_app.core.photos import MAX_SIDE, PhotoError, process_photo


def camera_jpeg(w=4000, h=3000, orientation=1, gps=True) -> bytes:
    im = Image.new("RGB", (w, h), (40, 160, 60))
    im.paste((220, 20, 20), (0, 0, w // 4, h // 4))  # red marks the top-left corner
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "ACME Phone"
    if gps:
        exif[0x8825] = {1: "N", 2: (51.0, 40.0, 48.0), 3: "E", 4: (7.0, 48.0, 36.0)}
    out = io.BytesIO()
    im.save(out, "JPEG", quality=92, exif=exif, comment=b"secret comment")
    return out.getvalue()


def jpeg_segments(data: bytes) -> list[int]:
    """The marker bytes of every segment before the image data."""
    markers, i = [], 2
    while i < len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xDA:  # start of scan: metadata is all before here
            break
        markers.append(marker)
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    return markers


def test_every_metadata_block_is_stripped():
    out = process_photo(camera_jpeg())
    markers = jpeg_segments(out.data)
    assert all(not (0xE1 <= m <= 0xEF) for m in markers), [hex(m) for m in markers]  # no APP1..APP15
    assert 0xFE not in markers  # no comment
    im = Image.open(io.BytesIO(out.data))
    assert not im.getexif()
    assert b"ACME" not in out.data and b"secret" not in out.data


def test_longest_side_is_bounded_and_aspect_kept():
    out = process_photo(camera_jpeg(4000, 3000))
    assert (out.width, out.height) == (MAX_SIDE, 1200)
    assert len(out.data) < 300_000


def test_orientation_is_applied_to_the_pixels():
    out = process_photo(camera_jpeg(4000, 3000, orientation=6))  # rotate 90 degrees clockwise
    im = Image.open(io.BytesIO(out.data)).convert("RGB")
    assert (im.width, im.height) == (1200, MAX_SIDE)
    # the red top-left corner of the sensor image ends up top-right after a clockwise turn
    r, g, b = im.getpixel((im.width - 20, 20))
    assert r > 150 and g < 90
    r, g, b = im.getpixel((20, 20))
    assert g > 100 and r < 120


def test_small_png_with_alpha_becomes_rgb_jpeg():
    im = Image.new("RGBA", (300, 200), (0, 0, 255, 128))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    out = process_photo(buf.getvalue())
    assert Image.open(io.BytesIO(out.data)).format == "JPEG"
    assert (out.width, out.height) == (300, 200)


def test_same_input_gives_same_hash():
    data = camera_jpeg(1200, 900)
    assert process_photo(data).sha256 == process_photo(data).sha256


@pytest.mark.parametrize("raw", [b"", b"not an image", camera_jpeg(800, 600)[:2000]])
def test_unreadable_input_is_a_photo_error(raw):
    with pytest.raises(PhotoError):
        process_photo(raw)
