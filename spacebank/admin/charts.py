"""Charts as inline SVG: bars and a heat map, drawn from the same figures as the tables.

Only SVG presentation attributes (fill, fill-opacity), never style attributes: the
content security policy allows no inline styles. Each chart is an image with a title;
the table under it carries the figures for screen readers, so the shapes are hidden
from them rather than read out one by one.
"""

from markupsafe import Markup, escape

BLUE = "#1d70b8"
GREY = "#f3f2f1"
TEXT = "#0b0c0c"
ROW = 28
LABEL_WIDTH = 260
BAR_WIDTH = 360


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    ident = "chart-" + "".join(c for c in title.lower() if c.isalnum())[:40]
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{ident}" focusable="false" class="sb-chart">'
        f'<title id="{ident}">{escape(title)} (chart; the table below has the figures)</title>'
        + "".join(body) + "</svg>")


def _text(x: float, y: float, content: str, anchor: str = "start", weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-family="Arial, sans-serif" font-size="14" fill="{TEXT}" '
            f'text-anchor="{anchor}" font-weight="{weight}" aria-hidden="true">{escape(content)}</text>')


def bar_chart(title: str, bars: list[tuple[str, float, str]], maximum: float | None = None) -> Markup:
    """Horizontal bars: (label, value, value as text). Bars are scaled to `maximum` (default: the largest)."""
    top = maximum if maximum is not None else max((value for _, value, _ in bars), default=0)
    width = LABEL_WIDTH + BAR_WIDTH + 110
    body = []
    for index, (label, value, shown) in enumerate(bars):
        y = index * ROW + 4
        length = 0 if not top else max(0.0, min(value / top, 1.0)) * BAR_WIDTH
        short = label if len(label) <= 34 else label[:33] + "…"
        body.append(_text(LABEL_WIDTH - 8, y + 15, short, anchor="end"))
        body.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{BAR_WIDTH}" height="20" fill="{GREY}" aria-hidden="true"/>')
        body.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="20" fill="{BLUE}" aria-hidden="true"/>')
        body.append(_text(LABEL_WIDTH + BAR_WIDTH + 8, y + 15, shown))
    return _svg(width, max(len(bars), 1) * ROW + 8, title, body)


def heat_map(title: str, row_labels: list[str], column_labels: list[str], values: list[list[float]],
             shown: list[list[str]]) -> Markup:
    """A grid whose darker cells hold more; every cell also prints its number, so colour is never the only cue."""
    cell_w, cell_h, left, head = 44, 30, 100, 24
    top = max((v for row in values for v in row), default=0)
    body = [_text(left + i * cell_w + cell_w / 2, 16, label[:2], anchor="middle", weight="bold")
            for i, label in enumerate(column_labels)]
    for r, (label, row) in enumerate(zip(row_labels, values)):
        y = head + r * cell_h
        body.append(_text(left - 8, y + 20, label[:3], anchor="end", weight="bold"))
        for c, value in enumerate(row):
            x = left + c * cell_w
            opacity = 0.08 + 0.92 * (value / top) if top and value else 0.0
            body.append(f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{GREY}" aria-hidden="true"/>')
            if opacity:
                body.append(f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{BLUE}" '
                            f'fill-opacity="{opacity:.2f}" aria-hidden="true"/>')
            colour = "#ffffff" if opacity > 0.55 else TEXT
            body.append(f'<text x="{x + (cell_w - 2) / 2:.1f}" y="{y + 19}" font-family="Arial, sans-serif" '
                        f'font-size="12" fill="{colour}" text-anchor="middle" aria-hidden="true">'
                        f'{escape(shown[r][c])}</text>')
    width = left + len(column_labels) * cell_w + 4
    return _svg(width, head + len(row_labels) * cell_h + 4, title, body)
