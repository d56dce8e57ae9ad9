"""The payload corpus of stored HTML injection: what people's text must never do to a page."""

from __future__ import annotations

# Markers with a "~": no CSRF token or identifier contains one, and Markdown leaves it be.
MARK = "PWN~"
BOLD = "PWNBOLD~"

# Short payloads: each fits a title or a name (most CharFields hold 60 to 200 characters).
SHORT = [
    f'<script>alert("{MARK}1")</script>',
    f'<img src=x onerror=alert("{MARK}2")>',
    f'<div hx-post="/notifications/read-all/" hx-trigger="load">{MARK}3</div>',
    f'<b hx-get="/{MARK}4/" hx-trigger="load" hx-target="body">x</b>',
    f'<a hx-on:click="alert(1)" href="#">{MARK}5</a>',
    f'<a href="javascript:alert(1)">{MARK}6</a>',
    f"<svg onload=alert(1)><title>{MARK}7</title></svg>",
    f'"><script>{MARK}8</script>',
    f"'><img src=x onerror=alert('{MARK}9')>",
    f'<iframe src="data:text/html,<script>alert(1)</script>">{MARK}10</iframe>',
    f'<div data-hx-post="/notifications/read-all/" data-hx-trigger="load">{MARK}11</div>',
    f"**{BOLD}** {MARK}12",
]
# Markdown bodies get the whole corpus at once, with the Markdown-only tricks.
MARKDOWN_EXTRA = [
    f"[{MARK}20](javascript:alert(1))",
    f"![{MARK}21](javascript:alert(1))",
    f'[{MARK}22](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg== "t")',
    f'<a href="jav&#x09;ascript:alert(1)">{MARK}23</a>',
    f'<style>body{{display:none}}</style><p style="color:red">{MARK}24</p>',
    f"&lt;script&gt;alert('{MARK}25')&lt;/script&gt;",
    f"<scr<script>ipt>alert('{MARK}26')</script>",
    f'<form hx-post="/notifications/read-all/" hx-trigger="load"><input name=x value="{MARK}27"></form>',
    f'<object data="javascript:alert(1)">{MARK}28</object><embed src="javascript:alert(1)">',
    f'<math><mi xlink:href="javascript:alert(1)">{MARK}29</mi></math>',
    f'<body onload=alert(1)><base href="//evil.example/">{MARK}30',
    f"<details open ontoggle=alert(1)><summary>{MARK}31</summary></details>",
    f"<div hx-get='/notifications/read-all/' hx-trigger='revealed' hx-swap='outerHTML'>{MARK}32</div>",
]
CORPUS = "\n\n".join([*SHORT, *MARKDOWN_EXTRA])
