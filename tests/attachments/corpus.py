"""Files for the upload tests, generated on the fly: valid ones and a hostile corpus."""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image
from pypdf import PdfWriter

MB = 1024 * 1024

# EXIF tags
ORIENTATION = 0x0112
MAKE = 0x010F
GPS_IFD = 0x8825


def jpeg(size: tuple[int, int] = (640, 480), colour: tuple[int, int, int] = (210, 90, 80), exif: bytes = b"") -> bytes:
    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


def noisy_jpeg(size: tuple[int, int] = (400, 300)) -> bytes:
    """A JPEG with real entropy, so that cutting it short leaves most pixels undecoded."""
    rnd = random.Random(7)
    image = Image.new("RGB", size)
    image.putdata([(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(size[0] * size[1])])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def gps_exif(orientation: int = 6) -> bytes:
    """EXIF as a phone writes it: the camera, the orientation, and where the photo was taken."""
    exif = Image.Exif()
    exif[MAKE] = "Apple"
    exif[ORIENTATION] = orientation
    # Shanghai, Yangpu district.
    exif[GPS_IFD] = {1: "N", 2: (31.0, 16.0, 12.0), 3: "E", 4: (121.0, 31.0, 30.0)}
    return exif.tobytes()


def png(size: tuple[int, int] = (300, 200), mode: str = "RGBA") -> bytes:
    image = Image.new(mode, size, (40, 120, 200, 180) if mode == "RGBA" else 128)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def pdf(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def password_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny PNG that declares 2.5 gigapixels: decoding it would need gigabytes of memory."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _png_chunk(b"IEND", b"")
    )


def png_declaring(width: int = 9_400, height: int = 9_400, rows: int = 100) -> bytes:
    """A valid, fully decodable black PNG of width x height in a few hundred kilobytes.

    One block of `rows` rows is deflated once and repeated: after a full flush a deflate
    stream starts afresh, so the copies decode as one stream (only the checksum is summed).
    """
    assert height % rows == 0
    block = (b"\x00" * (1 + width * 3)) * rows  # filter byte, then RGB zeros
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(height // rows):
        checksum = zlib.adler32(block, checksum)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    idat = b"\x78\xda" + segment * (height // rows) + end + struct.pack(">I", checksum)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def jpeg_with_comment(comment: bytes, size: tuple[int, int] = (400, 300)) -> bytes:
    """A JPEG with a COM segment, as some clinic and scanner software writes (a name, an ID)."""
    out = io.BytesIO()
    Image.new("RGB", size, (210, 90, 80)).save(out, "JPEG", quality=95, comment=comment)
    return out.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>fetch('/patients/').then(r=>r.text()).then(alert)</script></body></html>"
SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"><rect width="10" height="10"/></svg>'
)
# A classic GIF/JavaScript polyglot: the GIF's width bytes open a JavaScript comment.
GIF_JS_POLYGLOT = (
    b"GIF89a/*\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    b"*/=1;alert(document.domain);//"
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 400
HTML_BEFORE_PDF = b"<html><script>alert(1)</script></html>\n" + pdf(1)


def oversized_jpeg(size: int = 21 * MB) -> bytes:
    # Starts like a JPEG, so it is the size alone that gets it refused.
    return b"\xff\xd8\xff\xe0" + b"\x00" * (size - 4)
