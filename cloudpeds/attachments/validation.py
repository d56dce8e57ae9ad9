"""Decide what an uploaded file really is, and make a clean copy of it.

The type comes from the file's content, never from its name or the browser's claim: a web
page renamed `rash.png` must not be stored and later served back as if it were a photo.
Images are decoded and re-encoded by Pillow, keeping nothing but the pixels, the colour
profile and PNG transparency: EXIF (a phone photo's GPS position would otherwise say where the
child lives), XMP, JPEG comments and PNG text are all dropped. PDFs must parse.

Decoding is the costly step, so it is bounded before it starts: the size is read from the
file's header and anything above the clinical pixel limit (`ATTACHMENT_MAX_PIXELS`, 50
megapixels: every phone camera's full-resolution photo and a 600 dpi A4 scan fit) is refused
without decoding a pixel. At 50 megapixels a decoded image takes at most 200 MB (4 bytes a
pixel), and at most `_DECODE_SLOTS` images are decoded at once in a process, so a burst of
large uploads cannot take a web worker's memory.

`sniff_and_normalise()` is the one entry point; `ClinicalFileField` (forms.py) wraps it
so that any form (attachments, consultations, referrals) validates files the same way.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError
from pypdf import PasswordType, PdfReader

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"

EXTENSIONS = {JPEG: "jpg", PNG: "png", PDF: "pdf"}
IMAGE_TYPES = frozenset({JPEG, PNG})

JPEG_QUALITY = 90
THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_QUALITY = 80

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# The clinical pixel limit (see the module docstring). Pillow's own cap (89 megapixels, with
# only a warning below 179) lets a 344 KB PNG of 9,400 x 9,400 through.
DEFAULT_MAX_PIXELS = 50_000_000
# What a re-encoded image keeps of the original's metadata: only PNG transparency (the
# pixels' meaning). The ICC profile is passed explicitly; everything else is dropped.
_KEPT_IMAGE_INFO = frozenset({"transparency"})
# Decodes at once per process (threads of one gunicorn or runserver process); others wait.
_DECODE_SLOTS = threading.BoundedSemaphore(2)

# What a rejected file turned out to be, so the doctor learns why (and the support desk
# does not have to guess). Checked in order against the first bytes of the file.
_BINARY_SIGNATURES: list[tuple[tuple[bytes, ...], str]] = [
    ((b"GIF87a", b"GIF89a"), "gif"),
    (
        (b"\x7fELF", b"MZ", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe"),
        "program",
    ),
    ((b"#!",), "script"),
    ((b"PK\x03\x04", b"PK\x05\x06", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b"), "archive"),
    ((b"II*\x00", b"MM\x00*"), "tiff"),
    ((b"BM",), "bmp"),
    ((b"\xd0\xcf\x11\xe0",), "office"),
]

_DESCRIPTIONS = {
    "html": _("a web page (HTML)"),
    "svg": _("an SVG drawing"),
    "xml": _("an XML document"),
    "gif": _("a GIF image"),
    "program": _("a program"),
    "script": _("a script"),
    "archive": _("a compressed archive"),
    "office": _("an old-format Office document"),
    "tiff": _("a TIFF image"),
    "bmp": _("a BMP image"),
    "webp": _("a WebP image"),
    "heic": _("a HEIC photo (on an iPhone, export or share it as JPEG)"),
}


@dataclass(frozen=True)
class NormalisedFile:
    """A checked, cleaned file ready to store: the bytes to keep and what we know of them."""

    content: bytes
    content_type: str
    original_name: str
    sha256: str
    width: int | None = None
    height: int | None = None
    page_count: int | None = None
    thumbnail: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


def max_upload_bytes() -> int:
    return getattr(settings, "ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_image_pixels() -> int:
    return getattr(settings, "ATTACHMENT_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def sniff_and_normalise(upload: File) -> NormalisedFile:
    """Check an uploaded file and return a clean copy, or raise ValidationError.

    Accepts JPEG, PNG and PDF, decided from the content. Raises with a translated
    message (and a stable `code`) for anything else, damaged or too big.
    """
    data = _read_limited(upload, max_upload_bytes())
    content_type = _detect(data)
    if content_type == PDF:
        page_count = _check_pdf(data)
        return NormalisedFile(
            content=data,
            content_type=PDF,
            original_name=clean_filename(getattr(upload, "name", "") or "", EXTENSIONS[PDF]),
            sha256=hashlib.sha256(data).hexdigest(),
            page_count=page_count,
        )
    content, thumbnail, (width, height) = _normalise_image(data, content_type)
    return NormalisedFile(
        content=content,
        content_type=content_type,
        original_name=clean_filename(getattr(upload, "name", "") or "", EXTENSIONS[content_type]),
        sha256=hashlib.sha256(content).hexdigest(),
        width=width,
        height=height,
        thumbnail=thumbnail,
    )


def clean_filename(name: str, extension: str) -> str:
    """A safe, readable download name that keeps the doctor's wording (Chinese included)
    and always ends in the extension of the real type."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    stem = os.path.splitext(name)[0]
    # Control and format characters (including right-to-left overrides that disguise an
    # extension), and the characters that Windows or a Content-Disposition header dislike.
    stem = "".join(ch for ch in stem if unicodedata.category(ch)[0] != "C")
    stem = re.sub(r'[<>:"/\\|?*;]', "_", stem)
    stem = re.sub(r"\s+", " ", stem).strip(" .")[:100].strip(" .")
    return f"{stem or 'file'}.{extension}"


# --- Reading and recognising ----------------------------------------------------------------


def _read_limited(upload: File, limit: int) -> bytes:
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise _too_large(declared, limit)
    upload.seek(0)
    # Read one byte past the limit: the declared size may not be the truth.
    data = upload.read(limit + 1)
    upload.seek(0)
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    if len(data) > limit:
        raise _too_large(len(data), limit)
    return data


def _too_large(size: int, limit: int) -> ValidationError:
    return ValidationError(
        _("This file is %(size)s; a file can be at most %(limit)s."),
        code="too_large",
        params={"size": filesizeformat(size), "limit": filesizeformat(limit)},
    )


def _detect(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    # The PDF header must come first: a "PDF" with an HTML page in front of it is a polyglot.
    if data.startswith(b"%PDF-"):
        return PDF
    raise _unsupported(_recognise_other(data))


def _recognise_other(data: bytes) -> str | None:
    for signatures, kind in _BINARY_SIGNATURES:
        if data.startswith(signatures):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heif"):
        return "heic"
    text = data[:1024].lstrip(b"\xef\xbb\xbf\xfe\xff\x00 \t\r\n\x0c").lower()
    if text.startswith(b"<"):
        if b"<svg" in text:
            return "svg"
        if text.startswith(b"<?xml") and b"<html" not in text:
            return "xml"
        return "html"
    return None


def _unsupported(kind: str | None) -> ValidationError:
    if kind is None:
        return ValidationError(
            _("Only JPEG and PNG images and PDF documents can be attached; this file is none of these."),
            code="unsupported_type",
        )
    return ValidationError(
        _("Only JPEG and PNG images and PDF documents can be attached; this file is %(what)s."),
        code="unsupported_type",
        params={"what": _DESCRIPTIONS[kind]},
    )


# --- Images ---------------------------------------------------------------------------------


def _normalise_image(data: bytes, content_type: str) -> tuple[bytes, bytes, tuple[int, int]]:
    pillow_format = "JPEG" if content_type == JPEG else "PNG"
    try:
        # Opening reads the header only: the size is known before any pixel is decoded.
        image = Image.open(io.BytesIO(data), formats=[pillow_format])
        _check_pixels(image.size)
        with _DECODE_SLOTS:
            return _reencode(image, content_type)
    except Image.DecompressionBombError as exc:
        # Pillow's own check, when opening a header that declares hundreds of megapixels.
        raise _image_too_large(None) from exc
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError, EOFError) as exc:
        raise ValidationError(
            _("This image is damaged or incomplete (perhaps the upload was cut off). Please export it again."),
            code="damaged_image",
        ) from exc


def _reencode(image: Image.Image, content_type: str) -> tuple[bytes, bytes, tuple[int, int]]:
    # Decode every pixel now: a truncated or corrupt file fails here, not later.
    with _refuse_truncated_images():
        image.load()
    # Phones store portrait photos sideways plus an orientation tag; apply it, because
    # the re-saved copy has no EXIF left to say which way is up. In place: a copy of a
    # 50-megapixel photo would double the memory this upload takes.
    ImageOps.exif_transpose(image, in_place=True)
    icc_profile = image.info.get("icc_profile")
    # Pillow would write the JPEG comment (COM) it read back into the new file (and the
    # thumbnail): keep only what we mean to keep.
    image.info = {key: value for key, value in image.info.items() if key in _KEPT_IMAGE_INFO}
    out = io.BytesIO()
    if content_type == JPEG:
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        # No exif= or comment= argument: the new file carries no EXIF (GPS, device, owner
        # name) and no comment (some clinic software writes the patient's name there).
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, icc_profile=icc_profile)
    else:
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            image = image.convert("RGBA")
        image.save(out, "PNG", icc_profile=icc_profile)
    return out.getvalue(), _thumbnail(image), image.size


_TRUNCATION_SWITCH = threading.Lock()


@contextmanager
def _refuse_truncated_images() -> Iterator[None]:
    """Make Pillow raise on a truncated image, whatever the process-wide setting says.

    WeasyPrint sets `ImageFile.LOAD_TRUNCATED_IMAGES = True` for the whole process when it
    is imported (certificates, reports), and Pillow would then silently fill a cut-off
    photo with grey. The lock keeps concurrent uploads from restoring each other's value.
    """
    with _TRUNCATION_SWITCH:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _check_pixels(size: tuple[int, int]) -> None:
    if size[0] * size[1] > max_image_pixels():
        raise _image_too_large(size)


def _image_too_large(size: tuple[int, int] | None) -> ValidationError:
    if size is None:
        return ValidationError(
            _(
                "This image has too many pixels to process safely (at most %(limit)s megapixels). "
                "Please reduce its size."
            ),
            code="image_too_large",
            params={"limit": max_image_pixels() // 1_000_000},
        )
    width, height = size
    return ValidationError(
        _(
            "This image is %(width)s × %(height)s pixels (%(megapixels)s megapixels); an image can have at most "
            "%(limit)s megapixels. Please reduce its size or send it at a lower resolution."
        ),
        code="image_too_large",
        params={
            "width": width,
            "height": height,
            "megapixels": round(width * height / 1_000_000),
            "limit": max_image_pixels() // 1_000_000,
        },
    )


def _thumbnail(image: Image.Image) -> bytes:
    # Resized straight from the decoded image (Image.thumbnail would need a full copy first),
    # reducing by whole factors first as Image.thumbnail does (much faster, same result).
    scale = min(THUMBNAIL_SIZE[0] / image.width, THUMBNAIL_SIZE[1] / image.height)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        thumb = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    else:
        thumb = image
    if thumb.mode in ("I", "I;16"):
        # 16-bit greyscale (some scanned films): scale to 8 bits instead of clipping to white.
        thumb = thumb.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if thumb.mode in ("RGBA", "LA") or (thumb.mode == "P" and "transparency" in thumb.info):
        rgba = thumb.convert("RGBA")
        thumb = Image.new("RGB", rgba.size, (255, 255, 255))
        thumb.paste(rgba, mask=rgba.getchannel("A"))
    thumb = thumb.convert("RGB")
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=THUMBNAIL_QUALITY)
    return out.getvalue()


# --- PDF ------------------------------------------------------------------------------------


def _check_pdf(data: bytes) -> int:
    damaged = ValidationError(_("This PDF is damaged or is not a valid PDF document."), code="damaged_pdf")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        # Reports locked only against editing or printing open with an empty password.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise ValidationError(
                _("This PDF is protected by a password. Please attach a copy without a password."),
                code="encrypted_pdf",
            )
        page_count = len(reader.pages)
    except ValidationError:
        raise
    except Exception as exc:
        # Hostile input: pypdf may raise anything at all, and every failure means "reject".
        raise damaged from exc
    if page_count < 1:
        raise damaged
    return page_count
