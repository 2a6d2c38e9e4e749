"""A tile map of Latvia's 43 municipalities: one equal square each, placed on a grid.

The grid positions are ours — a hand-made, **approximate** geographic arrangement (Kurzeme on the
left, Latgale on the right, Vidzeme at the top, Zemgale at the bottom, Rīga and its neighbours in
the middle), not a projection of real boundaries: equal tiles let a small municipality be seen as
well as a large one, and no boundary file is needed (none was available under a usable licence).
The municipalities themselves (codes and names) are the CSB's list in ``people/data``.

Geometry only: the template draws the SVG, each tile a link to that municipality's dashboard, with a
legend and a table carrying the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format

# (column, row) per municipality code; row 0 is the north coast.
GRID: dict[str, tuple[int, int]] = {
    "ventspils-novads": (0, 0),
    "talsu-novads": (1, 0),
    "saulkrastu-novads": (4, 0),
    "limbazu-novads": (5, 0),
    "valmieras-novads": (6, 0),
    "valkas-novads": (7, 0),
    "ventspils": (0, 1),
    "kuldigas-novads": (1, 1),
    "tukuma-novads": (2, 1),
    "jurmala": (3, 1),
    "adazu-novads": (4, 1),
    "siguldas-novads": (5, 1),
    "cesu-novads": (6, 1),
    "smiltenes-novads": (7, 1),
    "aluksnes-novads": (8, 1),
    "liepaja": (0, 2),
    "saldus-novads": (1, 2),
    "marupes-novads": (2, 2),
    "riga": (3, 2),
    "ropazu-novads": (4, 2),
    "ogres-novads": (5, 2),
    "madonas-novads": (6, 2),
    "gulbenes-novads": (7, 2),
    "balvu-novads": (8, 2),
    "dienvidkurzemes-novads": (0, 3),
    "dobeles-novads": (1, 3),
    "olaines-novads": (2, 3),
    "kekavas-novads": (3, 3),
    "salaspils-novads": (4, 3),
    "aizkraukles-novads": (5, 3),
    "varaklanu-novads": (6, 3),
    "rezeknes-novads": (7, 3),
    "ludzas-novads": (8, 3),
    "jelgavas-novads": (1, 4),
    "jelgava": (2, 4),
    "bauskas-novads": (3, 4),
    "jekabpils-novads": (5, 4),
    "livanu-novads": (6, 4),
    "preilu-novads": (7, 4),
    "rezekne": (8, 4),
    "augsdaugavas-novads": (6, 5),
    "daugavpils": (7, 5),
    "kraslavas-novads": (8, 5),
}

TILE = 58
GAP = 4
COLUMNS = 1 + max(c for c, _ in GRID.values())
ROWS = 1 + max(r for _, r in GRID.values())
CLASSES = 5  # colour steps of the legend


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    short: str  # the name without "novads": the start of the link's label, as WCAG 2.5.3 asks
    x: int
    y: int
    value: str  # "—" when hidden or unknown
    step: int | None  # colour step 0 … CLASSES-1, None when no value is shown
    url: str

    @property
    def squeeze(self) -> bool:
        """A long name is drawn narrower (SVG ``textLength``) to fit its tile."""
        return len(self.short) > SHORT_FITS


@dataclass(frozen=True)
class LegendStep:
    step: int
    label: str


@dataclass(frozen=True)
class TileMap:
    width: int
    height: int
    size: int
    tiles: list[Tile]
    legend: list[LegendStep]


SHORT_FITS = 9  # characters that fit a tile at the legend's font size


def _short(name: str) -> str:
    return name.removesuffix(" novads")


def tile_map(
    rows: list[tuple[str, str, Decimal | None, str]],
    *,
    high: Decimal = Decimal(100),
    suffix: str = " %",
) -> TileMap:
    """``rows`` are ``(code, name, value, url)``; values are shares on ``0``–``high``, coloured in
    ``CLASSES`` equal steps. A municipality missing from ``GRID`` (none should be) is not drawn."""
    width_step = high / CLASSES
    tiles = []
    for code, name, value, url in rows:
        if code not in GRID:
            continue
        col, row = GRID[code]
        step = None if value is None else min(int(value / width_step), CLASSES - 1) if width_step else 0
        tiles.append(
            Tile(
                code=code,
                name=name,
                short=_short(name),
                x=col * (TILE + GAP),
                y=row * (TILE + GAP),
                value="—" if value is None else number_format(value, 1) + suffix,
                step=step,
                url=url,
            )
        )
    legend = [
        LegendStep(
            step=i,
            label=f"{number_format(width_step * i, 0)}–{number_format(width_step * (i + 1), 0)}{suffix}",
        )
        for i in range(CLASSES)
    ]
    return TileMap(
        width=COLUMNS * (TILE + GAP) - GAP,
        height=ROWS * (TILE + GAP) - GAP,
        size=TILE,
        tiles=tiles,
        legend=legend,
    )
