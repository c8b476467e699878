"""A dependency-free PNG line plot: zlib + struct, a 5x7 bitmap font, log-log axes.

The project ships no plotting library, and a benchmark plot needs very little: a grid,
lines with markers, tick labels and a legend of coloured swatches. `Canvas` draws
pixels; `plot_panels` lays out one log-log panel per operation.
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass, field
from typing import Optional, Sequence

Color = tuple[int, int, int]

WHITE: Color = (255, 255, 255)
BLACK: Color = (0, 0, 0)
GRID: Color = (222, 222, 222)
AXIS: Color = (90, 90, 90)

# 5x7 glyphs: seven rows of five columns per character, '#' is ink. Lowercase letters are
# drawn as capitals.
_GLYPHS = {
    '0': ".###. #...# #..## #.#.# ##..# #...# .###.",
    '1': "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
    '2': ".###. #...# ....# ...#. ..#.. .#... #####",
    '3': "##### ...#. ..#.. ...#. ....# #...# .###.",
    '4': "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
    '5': "##### #.... ####. ....# ....# #...# .###.",
    '6': "..##. .#... #.... ####. #...# #...# .###.",
    '7': "##### ....# ...#. ..#.. .#... .#... .#...",
    '8': ".###. #...# #...# .###. #...# #...# .###.",
    '9': ".###. #...# #...# .#### ....# ...#. .##..",
    'A': ".###. #...# #...# ##### #...# #...# #...#",
    'B': "####. #...# #...# ####. #...# #...# ####.",
    'C': ".###. #...# #.... #.... #.... #...# .###.",
    'D': "###.. #..#. #...# #...# #...# #..#. ###..",
    'E': "##### #.... #.... ####. #.... #.... #####",
    'F': "##### #.... #.... ####. #.... #.... #....",
    'G': ".###. #...# #.... #.### #...# #...# .####",
    'H': "#...# #...# #...# ##### #...# #...# #...#",
    'I': ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
    'J': "..### ...#. ...#. ...#. ...#. #..#. .##..",
    'K': "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
    'L': "#.... #.... #.... #.... #.... #.... #####",
    'M': "#...# ##.## #.#.# #.#.# #...# #...# #...#",
    'N': "#...# #...# ##..# #.#.# #..## #...# #...#",
    'O': ".###. #...# #...# #...# #...# #...# .###.",
    'P': "####. #...# #...# ####. #.... #.... #....",
    'Q': ".###. #...# #...# #...# #.#.# #..#. .##.#",
    'R': "####. #...# #...# ####. #.#.. #..#. #...#",
    'S': ".#### #.... #.... .###. ....# ....# ####.",
    'T': "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
    'U': "#...# #...# #...# #...# #...# #...# .###.",
    'V': "#...# #...# #...# #...# #...# .#.#. ..#..",
    'W': "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
    'X': "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
    'Y': "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
    'Z': "##### ....# ...#. ..#.. .#... #.... #####",
    ' ': "..... ..... ..... ..... ..... ..... .....",
    '.': "..... ..... ..... ..... ..... .##.. .##..",
    ',': "..... ..... ..... ..... .##.. ..#.. .#...",
    '-': "..... ..... ..... .###. ..... ..... .....",
    '+': "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
    '(': "...#. ..#.. .#... .#... .#... ..#.. ...#.",
    ')': ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
    '/': "..... ....# ...#. ..#.. .#... #.... .....",
    ':': "..... .##.. .##.. ..... .##.. .##.. .....",
    '=': "..... ..... ##### ..... ##### ..... .....",
    '%': "##... ##..# ...#. ..#.. .#... #..## ...##",
    '_': "..... ..... ..... ..... ..... ..... #####",
    'x': "..... ..... #...# .#.#. ..#.. .#.#. #...#",
    '?': ".###. #...# ....# ...#. ..#.. ..... ..#..",
    '<': "...#. ..#.. .#... #.... .#... ..#.. ...#.",
    '>': ".#... ..#.. ...#. ....# ...#. ..#.. .#...",
    '*': "..... ..#.. #.#.# .###. #.#.# ..#.. .....",
}
GLYPH_W, GLYPH_H = 5, 7


def text_width(text: str, scale: int = 1) -> int:
    return len(text) * (GLYPH_W + 1) * scale - scale if text else 0


class Canvas:
    def __init__(self, width: int, height: int, background: Color = WHITE) -> None:
        self.width = width
        self.height = height
        self.pixels = bytearray(bytes(background) * (width * height))

    def set(self, x: int, y: int, color: Color) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            offset = 3 * (y * self.width + x)
            self.pixels[offset:offset + 3] = bytes(color)

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: Color, *, fill: bool = True) -> None:
        x0, x1 = sorted((x0, x1))
        y0, y1 = sorted((y0, y1))
        if fill:
            row = bytes(color) * (min(x1, self.width - 1) - max(x0, 0) + 1)
            for y in range(max(y0, 0), min(y1, self.height - 1) + 1):
                offset = 3 * (y * self.width + max(x0, 0))
                self.pixels[offset:offset + len(row)] = row
        else:
            for x in range(x0, x1 + 1):
                self.set(x, y0, color)
                self.set(x, y1, color)
            for y in range(y0, y1 + 1):
                self.set(x0, y, color)
                self.set(x1, y, color)

    def line(self, x0: float, y0: float, x1: float, y1: float, color: Color, *,
             width: int = 1, dash: Optional[tuple[int, int]] = None) -> None:
        """A straight line `width` pixels thick; `dash` = (on, off) lengths in pixels."""
        steps = max(1, int(max(abs(x1 - x0), abs(y1 - y0))))
        half = (width - 1) // 2
        for step in range(steps + 1):
            if dash and step % (dash[0] + dash[1]) >= dash[0]:
                continue
            x = round(x0 + (x1 - x0) * step / steps)
            y = round(y0 + (y1 - y0) * step / steps)
            for dx in range(-half, width - half):
                for dy in range(-half, width - half):
                    self.set(x + dx, y + dy, color)

    def marker(self, x: float, y: float, color: Color, shape: str = "circle", size: int = 4) -> None:
        cx, cy = round(x), round(y)
        for dx in range(-size, size + 1):
            for dy in range(-size, size + 1):
                if shape == "square" or (shape == "circle" and dx * dx + dy * dy <= size * size) or (
                        shape == "diamond" and abs(dx) + abs(dy) <= size):
                    self.set(cx + dx, cy + dy, color)

    def text(self, x: int, y: int, text: str, color: Color = BLACK, *, scale: int = 1) -> None:
        """Draw `text` with its top-left corner at (x, y)."""
        for index, char in enumerate(text):
            glyph = (_GLYPHS.get(char) or _GLYPHS.get(char.upper()) or _GLYPHS["?"]).split()
            left = x + index * (GLYPH_W + 1) * scale
            for row in range(GLYPH_H):
                for col in range(GLYPH_W):
                    if glyph[row][col] == "#":
                        self.rect(left + col * scale, y + row * scale,
                                  left + (col + 1) * scale - 1, y + (row + 1) * scale - 1, color)

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + bytes(self.pixels[3 * y * self.width: 3 * (y + 1) * self.width])
                       for y in range(self.height))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)  # 8-bit RGB
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(
            b"IEND", b"")

    def save(self, path) -> None:
        with open(path, "wb") as out:
            out.write(self.png())


@dataclass
class Series:
    label: str
    color: Color
    points: Sequence[tuple[float, float]]
    dash: Optional[tuple[int, int]] = None
    marker: str = "circle"


@dataclass
class Panel:
    title: str
    series: list[Series] = field(default_factory=list)


def _decades(low: float, high: float) -> list[float]:
    return [10.0 ** e for e in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)]


def _tick_label(value: float) -> str:
    return f"{value:g}" if value >= 1 else f"{value:.10f}".rstrip("0")


def plot_panels(panels: Sequence[Panel], path, *, title: str, x_label: str,
                columns: int = 3, panel_size: tuple[int, int] = (360, 280)) -> None:
    """One log-log panel per entry, sharing one y range; the legend (the first panel's series)
    fills the first free panel slot, or goes below the panels when there is none."""
    xs = [x for p in panels for s in p.series for x, _ in s.points if x > 0]
    ys = [y for p in panels for s in p.series for _, y in s.points if y > 0]
    if not xs or not ys:
        raise ValueError("nothing to plot")
    x_ticks = _decades(min(xs), max(xs))
    y_ticks = _decades(min(ys), max(ys))
    lx0, lx1 = math.log10(x_ticks[0]), math.log10(x_ticks[-1]) if len(x_ticks) > 1 else math.log10(x_ticks[0]) + 1
    ly0, ly1 = math.log10(y_ticks[0]), math.log10(y_ticks[-1])
    if ly1 == ly0:
        ly1 += 1

    legend = [s for s in panels[0].series]
    rows = math.ceil(len(panels) / columns)
    pw, ph = panel_size
    legend_in_slot = len(panels) < rows * columns
    margin_top, legend_h = 40, (10 if legend_in_slot else 22 * len(legend) + 34)
    canvas = Canvas(columns * pw + 20, margin_top + rows * ph + legend_h)
    canvas.text(10, 10, title, scale=2)

    left, right, top, bottom = 58, 14, 22, 40  # plot area inside a panel
    for index, panel in enumerate(panels):
        ox = 10 + (index % columns) * pw
        oy = margin_top + (index // columns) * ph
        x0, x1 = ox + left, ox + pw - right
        y0, y1 = oy + top, oy + ph - bottom

        def px(x: float) -> float:
            return x0 + (math.log10(x) - lx0) / (lx1 - lx0) * (x1 - x0)

        def py(y: float) -> float:
            return y1 - (math.log10(y) - ly0) / (ly1 - ly0) * (y1 - y0)

        canvas.text(ox + left, oy + 6, panel.title, scale=1)
        for tick in y_ticks:
            y = round(py(tick))
            canvas.line(x0, y, x1, y, GRID)
            label = _tick_label(tick)
            canvas.text(x0 - 6 - text_width(label), y - 3, label, AXIS)
        for tick in sorted(set(x_ticks) | set(xs)):
            x = round(px(tick))
            canvas.line(x, y0, x, y1, GRID)
            label = _tick_label(tick)
            canvas.text(x - text_width(label) // 2, y1 + 6, label, AXIS)
        canvas.rect(x0, y0, x1, y1, AXIS, fill=False)
        canvas.text((x0 + x1 - text_width(x_label)) // 2, y1 + 20, x_label, AXIS)
        for series in panel.series:
            points = [(px(x), py(y)) for x, y in sorted(series.points) if x > 0 and y > 0]
            for (ax, ay), (bx, by) in zip(points, points[1:]):
                canvas.line(ax, ay, bx, by, series.color, width=2, dash=series.dash)
            for x, y in points:
                canvas.marker(x, y, series.color, series.marker, 3)

    if legend_in_slot:
        lx, ly = 10 + (len(panels) % columns) * pw + 20, margin_top + (rows - 1) * ph + 40
    else:
        lx, ly = 20, margin_top + rows * ph + 8
    for series in legend:
        canvas.line(lx, ly + 7, lx + 30, ly + 7, series.color, width=2, dash=series.dash)
        canvas.marker(lx + 15, ly + 7, series.color, series.marker, 3)
        canvas.text(lx + 40, ly + 4, series.label)
        ly += 22
    canvas.save(path)
