"""A page rendered in a real headless Chromium (Debian's `chromium`): where its labelled elements land; a screenshot.

Reports are checked in a browser, not only as text: a figure can be squeezed to a sliver or overlap
another, and only a layout engine says so. No browser driver is needed: Chromium renders a copy of
the page with a small probe script that writes the box of every element with a `data-role` (and of
every image) into the DOM, which `--dump-dom` prints; `--screenshot` writes a PNG of the window.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from pipeline.core.errors import StylebridgeError

WINDOW = (1280, 2200)  # (width, height) in CSS pixels
TIMEOUT_S = 120
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--hide-scrollbars")
PROBE = """<script>
addEventListener("load", () => {
  const box = (e) => {
    const r = e.getBoundingClientRect();
    return {x: r.x, y: r.y + scrollY, w: r.width, h: r.height};
  };
  const roles = [...document.querySelectorAll("[data-role]")].map((e) => ({role: e.dataset.role, ...box(e)}));
  const images = [...document.images].map((i) => ({role: i.closest("[data-role]")?.dataset.role ?? "",
    complete: i.complete, natural: [i.naturalWidth, i.naturalHeight], ...box(i)}));
  document.body.dataset.layout = JSON.stringify({roles, images, scrollWidth: document.documentElement.scrollWidth,
    viewport: innerWidth});
});
</script>"""


class ChromiumError(StylebridgeError, RuntimeError):
    """Chromium is missing or could not render a page."""


def find_chromium() -> str | None:
    """The chromium executable on PATH (Debian: `chromium`; Ubuntu's snap: `chromium-browser`), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run(arguments: list[str], window: tuple[int, int], profile: Path) -> str:
    binary = find_chromium()
    if binary is None:
        raise ChromiumError("chromium is not installed: apt-get install -y chromium")
    command = [binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={window[0]},{window[1]}", *arguments]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise ChromiumError(f"chromium did not finish within {TIMEOUT_S} s: {' '.join(command)}") from exc
    if done.returncode != 0:
        raise ChromiumError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def page_layout(page: str | Path, window: tuple[int, int] = WINDOW) -> dict[str, Any]:
    """Lay out the page in `window` and return {"roles": [{role, x, y, w, h}], "images": [{role, complete,
    natural: [w, h], x, y, w, h}], "scrollWidth", "viewport"}; y is measured from the top of the page."""
    page = Path(page)
    with tempfile.TemporaryDirectory(prefix="layout-") as folder:
        probe = Path(folder) / page.name  # (beside nothing: the page must be self-contained anyway)
        probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
        dom = _run(["--virtual-time-budget=10000", "--dump-dom", probe.as_uri()], window, Path(folder) / "profile")
    found = re.search(r'data-layout="([^"]*)"', dom)
    if found is None:
        raise ChromiumError(f"chromium rendered {page} but its layout probe did not run (no <body>?)")
    return json.loads(html.unescape(found.group(1)))


def screenshot(page: str | Path, png: str | Path, window: tuple[int, int] = WINDOW) -> Path:
    """A PNG of the page's first `window` of pixels."""
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="shot-") as folder:
        _run([f"--screenshot={png.resolve()}", Path(page).resolve().as_uri()], window, Path(folder) / "profile")
    if not png.exists():
        raise ChromiumError(f"chromium did not write the screenshot {png}")
    return png
