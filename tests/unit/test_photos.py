"""The photo pipeline: metadata gone, orientation in the pixels, size bounded."""

import io

import pytest
from PIL import Image

from patrol_app.core import photos
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


# ------------------------------------------------------------ the byte budget

def camera_pixels(kind="street", seed=3):
    """Camera-like pixels at the output size (tests/support/camera.py: texture, small print,
    sensor noise): ~240 KB at quality 80, so the budget has work to do."""
    import random

    from tests.support.camera import scene, sensor_noise

    return sensor_noise(scene(kind, seed, (1600, 1200)), random.Random(seed), 2.8)


def test_a_camera_like_photo_fits_the_budget_at_the_highest_quality_that_does(monkeypatch):
    im = camera_pixels()
    assert len(photos._encode(im, photos.JPEG_QUALITY)) > photos.BUDGET_BYTES  # work to do
    calls = []
    real = photos._encode
    monkeypatch.setattr(photos, "_encode", lambda im, q: calls.append(q) or real(im, q))
    data = photos.encode_within_budget(im)
    assert len(data) <= photos.BUDGET_BYTES
    chosen = calls[[len(real(im, q)) for q in calls].index(len(data))]
    assert chosen in photos.QUALITY_LADDER
    higher = [q for q in photos.QUALITY_LADDER if q > chosen]
    assert not higher or len(real(im, higher[0])) > photos.BUDGET_BYTES  # the next one does not fit
    assert len(calls) <= 5  # bounded CPU: quality 80, then a binary search of 8 rungs


def test_a_photo_that_fits_keeps_quality_80_and_one_encode(monkeypatch):
    im = Image.new("RGB", (1600, 1200), (40, 160, 60))
    calls = []
    real = photos._encode
    monkeypatch.setattr(photos, "_encode", lambda im, q: calls.append(q) or real(im, q))
    assert photos.encode_within_budget(im) == real(im, photos.JPEG_QUALITY)
    assert calls == [photos.JPEG_QUALITY]


def test_a_photo_that_fits_nowhere_keeps_the_floor_quality_not_worse():
    im = camera_pixels("park")
    assert photos.encode_within_budget(im, budget=10_000) == photos._encode(im, photos.QUALITY_LADDER[0])


def test_the_budget_keeps_what_the_photo_shows():
    """Against the noise-free scene, the budget's output scores no lower than quality 80's:
    what a lower quality drops first is sensor noise (bench/photo_pipeline.py has the figures)."""
    import random

    from tests.support.camera import scene, sensor_noise, ssim

    clean = scene("sign", 5, (1600, 1200))
    noisy = sensor_noise(clean, random.Random(5), 2.8)
    before = photos._encode(noisy, photos.JPEG_QUALITY)
    after = photos.encode_within_budget(noisy)
    assert len(after) <= photos.BUDGET_BYTES < len(before)
    assert ssim(clean, after) >= ssim(clean, before) - 0.005
    assert ssim(before, after) > 0.9


def test_ssim_is_one_for_the_same_picture_and_falls_with_the_quality():
    from tests.support.camera import ssim

    im = camera_pixels("dusk")
    assert ssim(im, im) == pytest.approx(1.0, abs=1e-6)
    q80, q20 = photos._encode(im, 80), photos._encode(im, 20)
    assert 1.0 > ssim(im, q80) > ssim(im, q20)
    with pytest.raises(ValueError):
        ssim(im, im.resize((800, 600)))
