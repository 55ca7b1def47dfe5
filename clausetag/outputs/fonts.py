"""A font that draws Chinese in matplotlib plots, found without downloading anything.

matplotlib only knows the fonts in its own cache, built the first time it ran — a CJK font installed
later is invisible to it, and Chinese text comes out as boxes with one "Glyph … missing" warning per
character. :func:`cjk_font` looks in matplotlib's list first, then asks fontconfig
(``fc-list :lang=zh``) and registers what it finds. When there is none, the caller falls back to
short ASCII ids, and :data:`INSTALL_HINT` says (once) how to get a font.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from functools import lru_cache

__all__ = ["INSTALL_HINT", "cjk_font", "hint_once", "renders"]

#: family names known to cover simplified Chinese, best first
KNOWN_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans CJK JP",
    "Noto Serif CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei",
    "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti", "AR PL UMing CN", "AR PL UKai CN",
    "Droid Sans Fallback",
)

INSTALL_HINT = ("clausetag: no font with Chinese glyphs found, so plots label documents D1, D2, … (the key is "
                "in summary.csv/summary.md, column plot_id). Install one to see the names, e.g. Debian/Ubuntu: "
                "apt install fonts-noto-cjk; Fedora: dnf install google-noto-sans-cjk-fonts; macOS and "
                "Windows ship one.")

_HINTED = False


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of a font that covers Chinese, registered with matplotlib; ``None`` if the
    system has none."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in KNOWN_FAMILIES:
        if family in known:
            return family
    for path, family in _fontconfig_fonts():
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):
            continue
        names = {f.name for f in font_manager.fontManager.ttflist if f.fname == path}
        if names:
            return family if family in names else sorted(names)[0]
    return None


def _fontconfig_fonts() -> list[tuple[str, str]]:
    """``(file, family)`` of fontconfig's Chinese fonts, regular sans faces first."""
    exe = shutil.which("fc-list")
    if exe is None:
        return []
    try:
        out = subprocess.run([exe, ":lang=zh", "file", "family", "style"], capture_output=True, text=True,
                             timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in out.splitlines():
        path, _, rest = line.partition(": ")
        if not path or not rest:
            continue
        families, _, style = rest.partition(":style=")
        family = families.split(",")[0].strip()
        rank = (0 if "Regular" in style or "Book" in style else 1,
                0 if "Sans" in family else 1,
                0 if family in KNOWN_FAMILIES else 1,
                KNOWN_FAMILIES.index(family) if family in KNOWN_FAMILIES else len(KNOWN_FAMILIES))
        found.append((rank, path.strip(), family))
    found.sort()
    return [(p, f) for _, p, f in found]


def renders(text: str, family: str | None) -> bool:
    """Whether ``text`` can be drawn: ASCII always; anything else only with a CJK ``family``."""
    return text.isascii() or family is not None


def hint_once() -> None:
    """Print :data:`INSTALL_HINT` on stderr, once per process."""
    global _HINTED
    if not _HINTED:
        _HINTED = True
        print(INSTALL_HINT, file=sys.stderr)
