"""Serving a stored file with HTTP Range support, so a video can be sought.

Django's FileResponse always sends the whole file; browsers ask for byte ranges to jump
to a chapter and will not seek without a 206 answer. One range per request (what video
players ask for); a malformed header is ignored (whole file), an unsatisfiable one is 416.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

CHUNK_SIZE = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """(first, last) byte positions, inclusive; None for no usable range; False if unsatisfiable."""
    match = _RANGE.match(header.strip())
    if not match or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":
        # A suffix: the last N bytes.
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return False
    return start, min(end, size - 1)


def _chunks(handle: IO[bytes], length: int) -> Iterator[bytes]:
    try:
        while length > 0:
            data = handle.read(min(CHUNK_SIZE, length))
            if not data:
                break
            length -= len(data)
            yield data
    finally:
        handle.close()


def ranged_file_response(request: HttpRequest, field_file: FieldFile, content_type: str) -> HttpResponse:
    storage, name = field_file.storage, field_file.name
    size = storage.size(name)
    header = request.headers.get("Range", "")
    wanted = parse_range(header, size) if header else None
    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif wanted is None:
        response = FileResponse(storage.open(name, "rb"), content_type=content_type)
    else:
        first, last = wanted
        handle = storage.open(name, "rb")
        handle.seek(first)
        response = StreamingHttpResponse(_chunks(handle, last - first + 1), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    return response
