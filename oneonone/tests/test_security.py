"""Security checks in the test command: hostile picture uploads through the real endpoint with
bounded memory, and `pip-audit --strict` on the pinned requirements.

Pictures go through `PUT /accounts/profile/` (multipart, as clients upload them). Every
validation error of that endpoint answers `401` with the field-keyed body, as the contract
documents. Each upload's memory is measured: the process's peak RSS is reset just before the
request (`/proc/self/clear_refs`, Linux) and read with `resource.getrusage` afterwards, and
tracemalloc gives the peak of Python allocations. A decoder that expanded the bomb would need
hundreds of megabytes; the bounds below are a small multiple of the upload itself.

(`manage.py check --deploy` under production settings is `oneonone/tests/test_settings.py` and
`make lint`.)
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import io
import json
import resource
import shutil
import struct
import subprocess
import sys
import tracemalloc
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Profile

URL = "/accounts/profile/"
MB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]
PICTURE_ERROR = "Upload a valid image: PNG, JPEG, GIF or WebP."


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int, *, color_type: int = 0, bit_depth: int = 8) -> bytes:
    """A real PNG of `width` x `height` pixels, every one black: its IDAT holds the full
    zlib-compressed image (not a truncated stub), so a decoder would allocate all of it."""
    channels = {0: 1, 2: 3, 6: 4}[color_type]
    row = b"\0" + bytes((width * channels * bit_depth + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    chunks = png_chunk(b"IHDR", header) + png_chunk(b"IDAT", body) + png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Measured:
    status: int
    body: dict
    rss_growth_mb: float
    python_peak_mb: float
    peak_was_reset: bool


def measure(request: Callable[[], object]) -> Measured:
    """Run `request()` and report the growth of the peak RSS and the tracemalloc peak.

    Freed heap pages are handed back to the system first (glibc `malloc_trim`), so memory
    an earlier test freed cannot absorb this request's allocations unseen."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    try:
        Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
        reset = True
    except OSError:  # not Linux: ru_maxrss keeps the process's earlier peak (a weaker bound)
        reset = False
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    try:
        response = request()
        _, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return Measured(
        status=response.status_code,  # type: ignore[attr-defined]
        body=response.json(),  # type: ignore[attr-defined]
        rss_growth_mb=(after - before) / 1024,  # ru_maxrss is in KiB on Linux
        python_peak_mb=python_peak / MB,
        peak_was_reset=reset,
    )


def upload(auth_client, name: str, content: bytes, content_type: str) -> Callable[[], object]:
    """The request, ready to send: the file object is built before measuring starts."""
    picture = SimpleUploadedFile(name, content, content_type=content_type)
    return lambda: auth_client.put(URL, {"profile_picture": picture}, format="multipart")


def assert_refused(result: Measured, message: str, *, rss_mb: float, python_mb: float, user) -> None:
    assert result.status == 401, result.body
    assert result.body == {"profile_picture": [message]}
    assert result.rss_growth_mb < rss_mb, f"peak RSS grew {result.rss_growth_mb:.1f} MB"
    assert result.python_peak_mb < python_mb, f"Python allocations peaked at {result.python_peak_mb:.1f} MB"
    profile = Profile.objects.filter(user=user).first()
    assert profile is None or not profile.profile_picture


TOO_MANY_PIXELS = "The picture has too many pixels; at most 20,000,000 are allowed."


class TestPictureUploads:
    @pytest.fixture(autouse=True)
    def _warm_up(self, auth_client):
        """One refused upload first: importing the code paths is not the request's cost."""
        auth_client.put(URL, {"profile_picture": SimpleUploadedFile("x.png", b"x")}, format="multipart")

    @pytest.mark.parametrize(
        ("width", "height", "color_type"),
        [
            (10_000, 10_000, 0),  # 100 Mpx: under Pillow's own error limit, it only warns
            (5_000, 5_000, 6),  # 25 Mpx RGBA: 100 MB once decoded, just over our 20 Mpx
            (30_000, 30_000, 0),  # 900 Mpx: over Pillow's limit too
        ],
    )
    def test_a_decompression_bomb_png_is_refused_without_decoding(
        self, auth_client, user, width, height, color_type
    ):
        content = bomb_png(width, height, color_type=color_type)
        assert len(content) < 2 * MB  # small on the wire: only the pixel count gives it away
        result = measure(upload(auth_client, "bomb.png", content, "image/png"))
        decoded_mb = width * height * {0: 1, 6: 4}[color_type] / MB
        assert_refused(result, TOO_MANY_PIXELS, rss_mb=min(32, decoded_mb / 3), python_mb=16, user=user)

    def test_a_20_mb_file_is_refused_before_it_is_read(self, auth_client, user):
        content = small_png() + bytes(20 * MB)  # a valid PNG, padded to 20 MB
        result = measure(upload(auth_client, "big.png", content, "image/png"))
        # The test client copies the 20 MB body into its fake socket; the view reads none of it.
        assert_refused(result, "The picture is larger than 2 MB.", rss_mb=64, python_mb=64, user=user)

    def test_a_file_that_is_not_an_image_is_refused(self, auth_client, user):
        content = b"%PDF-1.7\n" + bytes(500_000)
        result = measure(upload(auth_client, "notes.png", content, "image/png"))
        assert_refused(result, PICTURE_ERROR, rss_mb=16, python_mb=16, user=user)

    def test_an_svg_is_refused(self, auth_client, user):
        """SVG is a document (scripts, external references), not a picture: never accepted."""
        content = (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100000" '
            b'height="100000"><script>alert(1)</script><rect width="100%" height="100%"/></svg>'
        )
        result = measure(upload(auth_client, "me.svg", content, "image/svg+xml"))
        assert_refused(result, PICTURE_ERROR, rss_mb=16, python_mb=16, user=user)

    def test_the_measurement_sees_a_real_decode(self, auth_client, user):
        """Control: the probe is not blind. Decoding a 25 Mpx RGBA picture in the request costs
        about 100 MB, and `measure` reports it."""
        content = bomb_png(5_000, 5_000, color_type=6)

        def decode_in_process() -> object:
            with Image.open(io.BytesIO(content)) as image:
                image.load()
            return auth_client.get(URL)

        result = measure(decode_in_process)
        assert result.status == 200
        if not result.peak_was_reset:
            pytest.skip("the peak RSS cannot be reset here (/proc/self/clear_refs)")
        assert result.rss_growth_mb > 64


def pinned_version(name: str) -> str:
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.lower().startswith(f"{name.lower()}=="):
            return line.split("==", 1)[1].split()[0]
    raise LookupError(name)


def vulnerability_service_answers() -> str | None:
    """None if the endpoint pip-audit queries (PyPI's JSON API for one release, with its
    `vulnerabilities`) answers for the pinned Django; else why not."""
    url = f"https://pypi.org/pypi/django/{pinned_version('Django')}/json"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (a fixed https URL)
            if "vulnerabilities" not in json.load(response):
                return f"{url} answered without vulnerability data"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return f"{url} is not reachable from here ({exc})"
    return None


@pytest.mark.skipif(shutil.which("pip-audit", path=str(Path(sys.executable).parent)) is None,
                    reason="pip-audit is not installed (requirements-dev.txt)")
def test_pip_audit_finds_no_known_vulnerability_in_the_pinned_requirements():
    """`pip-audit --strict -r requirements.txt`: a dependency that cannot be audited fails too
    (`--strict`), so a silent "nothing found" cannot hide an unreachable service."""
    reason = vulnerability_service_answers()
    if reason is not None:
        pytest.skip(f"pip-audit needs its vulnerability service: {reason}")
    pip_audit = Path(sys.executable).parent / "pip-audit"
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [str(pip_audit), "--strict", "--progress-spinner", "off", "-r", "requirements.txt"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
