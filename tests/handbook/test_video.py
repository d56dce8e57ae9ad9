"""The video lecture (handbook:video): Range requests, so readers can jump to a chapter."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from cloudpeds.core.ranges import parse_range

pytestmark = pytest.mark.django_db

# Not a playable video, but bytes we can recognise: the view serves stored bytes as they are.
VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40


@pytest.fixture
def lecture(fever):
    fever.video.save("lecture.mp4", ContentFile(VIDEO), save=False)
    fever.video_content_type = "video/mp4"
    fever.save(update_fields=["video", "video_content_type"])
    return fever


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_range_request_gets_206_and_exactly_those_bytes(client, reader, lecture):
    client.force_login(reader)

    response = client.get("/handbook/topics/fever/v/1/video/", headers={"Range": "bytes=100-199"})

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(VIDEO)}"
    assert response["Content-Length"] == "100"
    assert response["Content-Type"] == "video/mp4"
    assert _body(response) == VIDEO[100:200]


def test_an_open_ended_range_and_a_suffix_range(client, reader, lecture):
    client.force_login(reader)

    tail = client.get("/handbook/topics/fever/v/1/video/", headers={"Range": "bytes=10000-"})
    suffix = client.get("/handbook/topics/fever/v/1/video/", headers={"Range": "bytes=-16"})

    assert _body(tail) == VIDEO[10000:]
    assert _body(suffix) == VIDEO[-16:]
    assert suffix["Content-Range"] == f"bytes {len(VIDEO) - 16}-{len(VIDEO) - 1}/{len(VIDEO)}"


def test_without_a_range_the_whole_file_and_accept_ranges(client, reader, lecture):
    client.force_login(reader)

    response = client.get("/handbook/topics/fever/v/1/video/")

    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert _body(response) == VIDEO


def test_a_range_beyond_the_end_is_416(client, reader, lecture):
    client.force_login(reader)

    response = client.get("/handbook/topics/fever/v/1/video/", headers={"Range": f"bytes={len(VIDEO)}-"})

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(VIDEO)}"


def test_the_topic_page_has_chapter_buttons(client, reader, lecture):
    lecture.sections.filter(kind="management").update(video_start_seconds=75)
    client.force_login(reader)

    content = client.get("/handbook/topics/fever/").content.decode()

    assert 'src="/handbook/topics/fever/v/1/video/"' in content
    assert 'data-seek="75"' in content
    assert "1:15" in content


def test_no_video_is_404(client, reader, fever):
    client.force_login(reader)

    assert client.get("/handbook/topics/fever/v/1/video/").status_code == 404


def test_the_video_needs_sign_in_and_get(client, reader, lecture):
    assert client.get("/handbook/topics/fever/v/1/video/").status_code == 302
    client.force_login(reader)
    assert client.post("/handbook/topics/fever/v/1/video/").status_code == 405


def test_a_draft_video_is_hidden_from_readers(client, reader, editor2, lecture):
    lecture.topic.start_draft(editor2)
    client.force_login(reader)

    assert client.get("/handbook/topics/fever/v/2/video/").status_code == 404


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-9", (0, 9)),
        ("bytes=5-", (5, 99)),
        ("bytes=-10", (90, 99)),
        ("bytes=90-500", (90, 99)),
        ("bytes=100-", False),
        ("bytes=9-3", False),
        ("bytes=-0", False),
        ("bytes=0-1,5-6", None),
        ("items=0-1", None),
        ("bytes=-", None),
    ],
)
def test_parse_range(header, expected):
    assert parse_range(header, 100) == expected
