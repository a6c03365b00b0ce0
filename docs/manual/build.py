"""Build the staff manual as one PDF: `make manual` → var/manual/manual.pdf.

The index (README.md) and the chapters (01-….md to 06-….md, in their order) are rendered from
Markdown with markdown-it-py into one HTML file with a print stylesheet (A4, a Chinese font, each
chapter from a new page, pictures fitted to the width), which Debian's Chromium prints through
Playwright's page.pdf(). Links between chapters become links inside the PDF.

    .venv/bin/python docs/manual/build.py [--out var/manual/manual.pdf] [--chromium /usr/bin/chromium]
                                          [--source docs/manual]
"""

import argparse
import html
import re
import shutil
import sys
from datetime import date
from pathlib import Path

from markdown_it import MarkdownIt

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_OUT = ROOT / "var" / "manual" / "manual.pdf"
CHROMIUM = "/usr/bin/chromium"

STYLE = """
@page { size: A4; margin: 18mm 16mm 20mm; }
html { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif;
       font-size: 10.5pt; line-height: 1.6; color: #111; }
body { margin: 0; }
h1 { font-size: 20pt; margin: 0 0 6mm; border-bottom: 2px solid #8c1d18; padding-bottom: 2mm; }
h2 { font-size: 14pt; margin: 7mm 0 2mm; break-after: avoid; }
h3 { font-size: 12pt; margin: 5mm 0 2mm; break-after: avoid; }
p, li { orphans: 3; widows: 3; }
.chapter { break-before: page; }
.cover { height: 240mm; display: flex; flex-direction: column; justify-content: center; text-align: center; }
.cover h1 { border: 0; font-size: 28pt; }
.cover p { font-size: 14pt; }
img { display: block; max-width: 100%; max-height: 240mm; margin: 3mm 0 4mm; border: 1px solid #bbb;
      break-inside: avoid; }
table { border-collapse: collapse; width: 100%; margin: 3mm 0; break-inside: avoid; }
th, td { border: 1px solid #999; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
th { background: #eee; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; }
pre { background: #f4f4f4; padding: 2mm 3mm; white-space: pre-wrap; overflow-wrap: anywhere; }
a { color: inherit; text-decoration: none; }
"""

FOOTER = (
    '<div style="font-size:8pt;width:100%;text-align:center;color:#555;">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


def chapters(source: Path = HERE) -> list[Path]:
    """The index first, then the numbered chapters."""
    return [source / "README.md", *sorted(source.glob("[0-9][0-9]-*.md"))]


def render(source: Path = HERE) -> str:
    """The whole manual as one HTML document (images relative to the manual's folder)."""
    md = MarkdownIt("commonmark").enable("table")
    parts = []
    for path in chapters(source):
        body = md.render(path.read_text(encoding="utf-8"))
        # A link to another chapter's file is a link to its section in this document.
        body = re.sub(r'href="((?:\d\d-[^"#/]+)|README)\.md"', r'href="#ch-\1"', body)
        parts.append(f'<section class="chapter" id="ch-{html.escape(path.stem)}">{body}</section>')
    title = "夔北街道民生诉求平台 操作手册"
    cover = (
        f'<section class="cover"><h1>{title}</h1><p>Minsheng staff manual</p>'
        f"<p>{date.today():%Y-%m-%d}</p></section>"
    )
    return (
        f'<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">'
        f'<base href="{source.resolve().as_uri()}/"><title>{title}</title><style>{STYLE}</style></head>'
        f"<body>{cover}{''.join(parts)}</body></html>"
    )


def build(out: Path = DEFAULT_OUT, chromium: str = CHROMIUM, source: Path = HERE) -> Path:
    if not shutil.which(chromium):
        raise SystemExit(f"{chromium} not found: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    page_html = out.with_suffix(".html")
    page_html.write_text(render(source), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto(page_html.as_uri(), wait_until="load")
            broken = page.evaluate("[...document.images].filter(i => !i.naturalWidth).map(i => i.src)")
            if broken:
                raise SystemExit(f"pictures that did not load: {broken}")
            page.pdf(
                path=str(out),
                prefer_css_page_size=True,
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER,
            )
        finally:
            browser.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--chromium", default=CHROMIUM)
    parser.add_argument("--source", type=Path, default=HERE, help="the folder of the Markdown files")
    args = parser.parse_args(argv)
    out = build(args.out, args.chromium, args.source)
    print(f"{out} ({out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
