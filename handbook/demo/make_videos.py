"""Make the demo handbook's video lectures: one short clip per topic file that names one.

    python3 handbook/demo/make_videos.py [slug ...]

With no slug it makes the clips that are missing (the cough topic's real lecture is kept); a slug
makes that topic's clip again.

A development tool, not part of the portal: the clips it writes are committed under
`handbook/demo/content/videos/`, so a fresh machine (and CI) shows them without it. It needs
Pillow, ffmpeg and the Noto CJK fonts (Debian: `apt-get install python3-pil ffmpeg
fonts-noto-cjk`), and runs with any Python 3.11 that has Pillow.

Each clip is a slide per section, in the order and at the chapter times every demo topic
declares (assess 0 s, danger signs 6 s, ... references 42 s): the topic's titles on each slide,
the section's name in both languages, and "demonstration content". Real lectures replace them
file by file.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CONTENT = Path(__file__).resolve().parent / "content"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
SIZE = (480, 270)
SECONDS = 6
SECTIONS = [
    ("assess", "如何评估", "How to assess"),
    ("danger_signs", "危险体征", "Danger signs"),
    ("classification", "分类", "Classification"),
    ("management", "处理", "Management"),
    ("referral", "转诊", "Referral"),
    ("follow_up", "随访", "Follow-up"),
    ("parent_advice", "家长指导", "Advice for parents"),
    ("references", "参考资料", "References"),
]
COLOURS = ["#0b5394", "#b45f06", "#38761d", "#351c75", "#990000", "#134f5c", "#7f6000", "#444444"]


def front_matter(topic: Path) -> dict:
    text = topic.read_text(encoding="utf-8")
    return tomllib.loads(text.split("+++", 2)[1])


def slide(meta: dict, index: int, path: Path) -> None:
    _kind, zh, en = SECTIONS[index]
    image = Image.new("RGB", SIZE, COLOURS[index])
    draw = ImageDraw.Draw(image)
    draw.text((20, 16), meta["title_zh"], font=ImageFont.truetype(BOLD, 26), fill="white")
    draw.text((20, 52), meta["title_en"], font=ImageFont.truetype(FONT, 16), fill="#dddddd")
    draw.text((20, 110), f"{index + 1}. {zh}", font=ImageFont.truetype(BOLD, 30), fill="white")
    draw.text((20, 154), en, font=ImageFont.truetype(FONT, 20), fill="white")
    minute, second = divmod(index * SECONDS, 60)
    footer = f"{minute:02d}:{second:02d}   示范内容 · Demonstration content · 新华医院儿科临床决策支持手册"
    draw.text((20, 236), footer, font=ImageFont.truetype(FONT, 12), fill="#eeeeee")
    image.save(path)


def make(topic: Path, *, again: bool) -> Path | None:
    meta = front_matter(topic)
    if not str(meta.get("video", "")).startswith("videos/"):
        return None
    target = CONTENT / meta["video"]
    if target.exists() and not again:
        return None
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        listing = []
        for index in range(len(SECTIONS)):
            frame = folder / f"{index}.png"
            slide(meta, index, frame)
            listing += [f"file '{frame}'", f"duration {SECONDS}"]
        listing.append(f"file '{folder / f'{len(SECTIONS) - 1}.png'}'")  # the concat demuxer's last frame
        (folder / "list.txt").write_text("\n".join(listing) + "\n")
        command = ["ffmpeg", "-y", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", str(folder / "list.txt")]
        command += ["-r", "2", "-c:v", "libx264", "-preset", "veryslow", "-crf", "30", "-pix_fmt", "yuv420p"]
        command += ["-movflags", "+faststart", "-t", str(SECONDS * len(SECTIONS)), str(target)]
        subprocess.run(command, check=True)  # noqa: S603 - a fixed program and our own paths
    return target


def main(slugs: list[str]) -> None:
    topics = sorted((CONTENT / "topics").glob("*.md"))
    for topic in topics:
        if slugs and topic.stem not in slugs:
            continue
        made = make(topic, again=bool(slugs))
        if made:
            print(f"{made.relative_to(CONTENT)}: {made.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main(sys.argv[1:])
