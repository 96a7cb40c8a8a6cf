"""Server-rendered SVG charts: no script, no CDN, readable printed.

One function, grouped bars: categories along the bottom, one bar per series in each group, the value
written above each bar. Text is escaped; sizes are computed, not styled by the browser.
"""
from __future__ import annotations

from html import escape

PALETTE = ("#c0392b", "#2e86c1", "#27ae60", "#8e44ad", "#d68910", "#566573")


def bar_chart(title: str, categories: list[str], series: list[tuple[str, list[float]]], unit: str = "",
              width: int = 720, height: int = 280) -> str:
    top, bottom, left, right = 40, 48, 44, 12
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([v for _, vals in series for v in vals] + [1])
    n_cat, n_ser = max(len(categories), 1), max(len(series), 1)
    group_w = plot_w / n_cat
    bar_w = max(4.0, min(40.0, group_w * 0.8 / n_ser))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" font-family="Noto Sans CJK SC, sans-serif" font-size="12">',
           f"<title>{escape(title)}</title>",
           f'<text x="{left}" y="18" font-size="14" font-weight="bold">{escape(title)}'
           f'{("（" + escape(unit) + "）") if unit else ""}</text>',
           f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#888"/>']
    for i, cat in enumerate(categories):
        gx = left + i * group_w + (group_w - bar_w * n_ser) / 2
        for j, (_, vals) in enumerate(series):
            v = vals[i] if i < len(vals) else 0
            h = 0 if peak == 0 else plot_h * float(v) / peak
            x, y = gx + j * bar_w, top + plot_h - h
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                       f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(cat)} {escape(series[j][0])}：{v:g}</title></rect>')
            out.append(f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">{v:g}</text>')
        out.append(f'<text x="{left + i * group_w + group_w / 2:.1f}" y="{top + plot_h + 16}" '
                   f'text-anchor="middle">{escape(cat)}</text>')
    lx = left
    for j, (name, _) in enumerate(series):
        out.append(f'<rect x="{lx}" y="{height - 18}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>')
        out.append(f'<text x="{lx + 14}" y="{height - 9}">{escape(name)}</text>')
        lx += 24 + 13 * len(name)
    out.append("</svg>")
    return "".join(out)
