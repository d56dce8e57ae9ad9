"""PDFs for the whole portal: a Django template rendered to PDF bytes by WeasyPrint.

Consultation reports, training certificates, referral letters and handbook chapters all
go through `render_pdf()`. Their templates extend `templates/pdf/base.html`, which
declares the embedded font and the page layout.

Two things matter more than looks:

- Chinese must render on a machine with no CJK font installed (a slim worker image).
  The PDF font ships with the project: `static/fonts/NotoSansSC-Cloudpeds-*.otf`, a
  subset of Noto Sans CJK SC (OFL; see static/fonts/OFL.txt and build_subset.py).
- A PDF is made from patient data that people typed. Django autoescapes it, and the
  `StaticOnlyFetcher` below is the only way WeasyPrint can load anything: files inside
  the project's static/ folder and `data:` URIs. Nothing over the network, nothing
  else on the disk (`<img src="file:///etc/passwd">` or an address on the hospital
  network fetches nothing; the PDF renders without it).

Templates name static files relative to static/ (`fonts/...otf`, `img/logo.svg`), not
with `{% static %}`: the hashed names of the collected files do not exist in static/.

Importing this module loads WeasyPrint (and Pango, ~0.4 s): import it where a PDF is
made (tasks), not at the top of modules that web requests load.
"""

from __future__ import annotations

import atexit
import base64
import logging
import mimetypes
import os
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import DataHandler, Request, url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# The family that templates/pdf/base.html declares with @font-face. The subset files are
# named so too (PostScript name "NotoSansSCCloudpeds-Regular"), so a PDF whose fonts carry
# that name provably used the embedded files and not a font of the machine.
PDF_FONT_FAMILY = "Noto Sans SC Cloudpeds"
PDF_FONT_POSTSCRIPT_PREFIX = "NotoSansSCCloudpeds"


class FetchRefused(ValueError):
    """A PDF template asked for something outside static/ (WeasyPrint skips the resource)."""


def static_dir() -> Path:
    """The project's own static/ folder (not STATIC_ROOT, not third-party apps' files)."""
    return (Path(settings.BASE_DIR) / "static").resolve()


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's fetcher, limited to static/ files and data: URIs.

    `served` and `refused` list what was asked for (tests read them; refusals are logged).
    """

    def __init__(self, root: Path | None = None) -> None:
        # fail_on_errors stays False: a refused image is left out and the PDF still renders.
        super().__init__(timeout=1, allowed_protocols=("file", "data"), allow_redirects=False)
        self.root = (root or static_dir()).resolve()
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            # Decoded in memory by urllib's data: handler; no I/O of any kind.
            with DataHandler().data_open(Request(url)) as response:  # noqa: S310 - data: only, checked above
                content_type = response.headers.get("Content-Type", "application/octet-stream")
                body = response.read()
            self.served.append("data:")
            return URLFetcherResponse(url, body, {"Content-Type": content_type})
        if scheme == "file":
            path = self._static_path(url)
            if path is not None:
                self.served.append(url)
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        self.refused.append(url)
        logger.warning("PDF rendering refused to fetch %s", url[:200])
        raise FetchRefused(f"PDFs may only use the project's static files, not {url[:200]}")

    def _static_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        # resolve() follows symlinks and "..", so neither can step out of static/.
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path


# --- One font configuration per process ------------------------------------------------------
#
# A FontConfiguration copies each @font-face file (two 2.4 MB subsets) into a temporary
# folder `weasyprint-*` and registers it with Fontconfig; a new one per document re-read and
# re-copied both (~24 ms), and its folder, removed only when the object is garbage-collected,
# was often left behind (4.7 MB a PDF on a long-running worker). One configuration per
# process loads the fonts once; its folder is removed when the process ends (atexit, and
# Celery's worker_process_shutdown for pool processes, which leave through os._exit).
# The only @font-face rules are those of templates/pdf/base.html: nothing a person typed can
# add a font to it.

_font_lock = threading.RLock()
_font_config: FontConfiguration | None = None
_font_config_pid: int | None = None


def font_configuration() -> FontConfiguration:
    """This process's FontConfiguration (a new one after a fork, or if its folder vanished)."""
    global _font_config, _font_config_pid
    with _font_lock:
        config = _font_config
        folder = getattr(config, "_folder", None) if config is not None else None
        stale = config is None or _font_config_pid != os.getpid() or (folder is not None and not Path(folder).is_dir())
        if stale:
            # A forked child must neither use nor remove its parent's folder.
            _font_config = FontConfiguration()
            _font_config_pid = os.getpid()
        return _font_config


def font_folder() -> Path | None:
    """The temporary folder of this process's fonts (None before the first PDF)."""
    config = _font_config
    folder = getattr(config, "_folder", None) if config is not None and _font_config_pid == os.getpid() else None
    return Path(folder) if folder else None


def release_fonts(*args: Any, **kwargs: Any) -> None:
    """Remove this process's font folder (at exit; accepts and ignores signal arguments)."""
    global _font_config, _font_config_pid, _stylesheets_config
    with _font_lock:
        folder = font_folder()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
            _font_config._folder = None  # its __del__ must not remove a later one's
        if _font_config_pid == os.getpid():
            _font_config = None
            _font_config_pid = None
        _stylesheets.clear()  # parsed with that configuration's fonts
        _stylesheets_config = None


atexit.register(release_fonts)


# --- Parsed stylesheets, kept per process ------------------------------------------------------
#
# The PDF templates' CSS (base.html's <style>, with each template's own block) is the same text
# for every document of a template; WeasyPrint parsed it anew for each (~12 ms a certificate).
# render_pdf takes each plain <style> element out of the rendered page and hands WeasyPrint a
# stylesheet parsed once per process and font configuration (its @font-face rules are loaded
# into that configuration), keyed by the CSS text itself: a template whose CSS varied would
# only get another entry, never another document's. Nothing a person typed can make a <style>
# element: Django autoescapes "<". What changes: the CSS is a user stylesheet, not an author
# one, so it still overrides WeasyPrint's defaults, and style="" attributes and <link>
# stylesheets override it; no "!important", @counter-style or @color-profile in the PDF CSS.

_STYLE_ELEMENT = re.compile(r"<style>(.*?)</style>", re.DOTALL)
_STYLESHEETS_KEPT = 32
_stylesheets: dict[str, CSS] = {}
_stylesheets_config: FontConfiguration | None = None


def _stylesheet(css: str, config: FontConfiguration, fetcher: StaticOnlyFetcher) -> CSS:
    """The parsed stylesheet of this CSS text for this font configuration (hold _font_lock)."""
    global _stylesheets_config
    if _stylesheets_config is not config:
        _stylesheets.clear()
        _stylesheets_config = config
    sheet = _stylesheets.get(css)
    if sheet is None:
        if len(_stylesheets) >= _STYLESHEETS_KEPT:
            _stylesheets.clear()
        sheet = CSS(string=css, base_url=static_dir().as_uri() + "/", url_fetcher=fetcher, font_config=config)
        _stylesheets[css] = sheet
    return sheet


def render_pdf(template_name: str, context: dict[str, Any], *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Render a template (extending pdf/base.html) to PDF bytes.

    Renders in the active language; call it inside `translation.override()` to choose.
    Dates are shown in the active time zone (Asia/Shanghai unless activated otherwise).
    """
    html = render_to_string(template_name, context)
    styles = _STYLE_ELEMENT.findall(html)
    fetcher = fetcher or StaticOnlyFetcher()
    document = HTML(string=_STYLE_ELEMENT.sub("", html), base_url=static_dir().as_uri() + "/", url_fetcher=fetcher)
    # Fontconfig and Pango objects are not for two threads at once.
    with _font_lock:
        config = font_configuration()
        sheets = [_stylesheet(css, config, fetcher) for css in styles]
        return document.write_pdf(font_config=config, stylesheets=sheets)


def warm_up() -> None:
    """Load WeasyPrint, Pango and the fonts, and lay out one small page, so that the first
    real PDF of a new worker process is not ~0.4 s slower than the rest."""
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        render_pdf("pdf/warm_up.html", {})


def qr_data_uri(url: str, *, box_size: int = 6, border: int = 2) -> str:
    """A QR code of `url` as a PNG data: URI, for certificates and letters to be verified.

    A data: URI is the one kind of image the PDF fetcher accepts besides static files.
    """
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    # A fixed mask: any of the eight is a valid code that every reader decodes; choosing the
    # "best" one lays the code out eight times over (~8 of the ~10 ms it took).
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border, mask_pattern=0)
    code.add_data(url)
    code.make(fit=True)
    out = BytesIO()
    code.make_image().save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


@dataclass(frozen=True)
class Bilingual:
    """A label in both languages, for documents that show both side by side.

    In a template: `{{ label.html }}` gives both, Chinese first, each marked with its
    language (escaped); `{{ label.zh }}` and `{{ label.en }}` one; `{{ label }}` plain text.
    When the catalogue has no Chinese yet, the label shows once.
    """

    zh: str
    en: str

    def __str__(self) -> str:
        return self.zh if self.zh == self.en else f"{self.zh} {self.en}"

    @property
    def html(self) -> SafeString:
        if self.zh == self.en:
            return format_html('<span lang="en">{}</span>', self.en)
        return format_html('<span lang="zh-CN">{}</span> <span class="en" lang="en">{}</span>', self.zh, self.en)


def bilingual(message: str | Promise | Callable[[], str], **params: Any) -> Bilingual:
    """A message in Chinese and English.

    `message` is a lazy msgid or choice label (formatted with `params` after translation,
    e.g. `bilingual(_("%(n)d h"), n=5)`), or a callable that returns text in the active
    language (`bilingual(patient.age_display)`).
    """

    def _in(language: str) -> str:
        with translation.override(language):
            text = str(message() if callable(message) else message)
            return text % params if params else text

    return Bilingual(zh=_in("zh-hans"), en=_in("en"))
