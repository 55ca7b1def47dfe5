"""Write ``clausetag/lexicons/places.txt``: the administrative place names (provinces, cities, counties,
districts, banners) of jieba's dictionary — the words it tags ``ns`` that end in an administrative suffix.

The quantity indicators and the sample scorer use the list to tell a place that only says whose figure it is
(``河南省粮食总产量`` → ``粮食总产量``) from the thing measured. Run ``python training/make_places.py`` after a jieba
upgrade; the output is sorted, so a diff shows what changed.
"""
from __future__ import annotations

import re
from pathlib import Path

import jieba

OUT = Path(__file__).resolve().parents[1] / "clausetag" / "lexicons" / "places.txt"
#: administrative suffixes; 区 only for named districts (not 地区, 山区, 郊区, 矿区, 林区, 园区 … which are
#: also ordinary nouns), and nothing of two characters or fewer (城市, 超市)
_ADMIN = re.compile(r"(?:省|市|县|自治区|自治州|自治县|旗|盟|(?<!地|山|郊|矿|林|牧|灾|景|园|街|社|片|城|市|"
                    r"特|业|宅|护|验|范|济|政|发|新)区|新区)$")
#: ordinary nouns the dictionary also tags ns: kinds of city (大城市, 宜居城市, 网上超市), rankings (十强县, 百强县),
#: 非上市, idioms and foreign or historical names (一日三省, 大藏省, 诸行省), military regions, reservoir, farm and
#: border areas (内蒙古军区, 三峡库区, 黑龙江垦区, 陕甘宁边区), and flags and alliances (五星旗 is no banner, 联盟 no
#: league: banners and leagues are left out, rare in policy text)
_NOT_PLACES = re.compile(r"^.{2,}(?:城市|都市|超市)$|^(?:大城市|大都市|非上市|新都市|十强县|百强县|中心区|一日三省|大藏省|自治省"
                         r"|北方省|东方省|滨海省)$|(?:军区|库区|垦区|边区|行省|各省)$|旗$|联盟$")


def place_lines() -> str:
    """The file's text: a header, then the place names sorted."""
    words = set()
    with jieba.get_dict_file() as fh:
        for line in fh:
            parts = line.decode("utf-8").split()
            if (len(parts) == 3 and parts[2] == "ns" and len(parts[0]) >= 3 and _ADMIN.search(parts[0])
                    and not _NOT_PLACES.search(parts[0])):
                words.add(parts[0])
    header = ("# Administrative place names from jieba's dictionary (words tagged ns with an administrative suffix),\n"
              "# written by training/make_places.py; one per line.\n")
    return header + "\n".join(sorted(words)) + "\n"


def main() -> None:
    text = place_lines()
    OUT.write_text(text, encoding="utf-8")
    print(f"{text.count(chr(10)) - 2} place names -> {OUT}")


if __name__ == "__main__":
    main()
