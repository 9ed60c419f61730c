"""Charts drawn at build time as inline SVG (no script, so they show offline and in print): the timeline
of dated events and who is mentioned with whom."""

from __future__ import annotations

import datetime as dt
import html
import math

from markupsafe import Markup


def timeline_svg(day_counts: list[tuple[str, int]], width: int = 720) -> Markup:
    """Days as dots on a line, sized by how many events fall on them; drawn at build time."""
    if not day_counts:
        return Markup("")
    days = [dt.date.fromisoformat(d) for d, _ in day_counts]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    height, pad = 90, 40
    items = []
    for (label, count), day in zip(day_counts, days, strict=True):
        x = pad + (width - 2 * pad) * (day - first).days / span
        r = 3 + 2 * math.sqrt(count)
        items.append(f'<a href="#d{label}"><circle cx="{x:.1f}" cy="40" r="{r:.1f}"><title>{label}: '
                     f'{count} mention{"s" if count != 1 else ""}</title></circle></a>')
    axis = (f'<line x1="{pad}" y1="40" x2="{width - pad}" y2="40" class="axis"/>'
            f'<text x="{pad}" y="75">{first.isoformat()}</text>'
            f'<text x="{width - pad}" y="75" text-anchor="end">{last.isoformat()}</text>')
    return Markup(f'<svg class="timeline-chart" viewBox="0 0 {width} {height}" role="group" '
                  f'aria-label="Dated events from {first} to {last}">{axis}{"".join(items)}</svg>')


def co_mention_svg(center: str, others: list[tuple[str, str, int]], size: int = 320) -> Markup:
    """Who is mentioned with whom: the person in the middle, the others around, lines by shared articles."""
    if not others:
        return Markup("")
    mid = size / 2
    radius = size / 2 - 60
    parts = []
    for index, (name, href, count) in enumerate(others):
        angle = 2 * math.pi * index / len(others) - math.pi / 2
        x, y = mid + radius * math.cos(angle), mid + radius * math.sin(angle)
        parts.append(f'<line x1="{mid}" y1="{mid}" x2="{x:.1f}" y2="{y:.1f}" stroke-width="{1 + count}"/>'
                     f'<a href="{html.escape(href, quote=True)}"><circle cx="{x:.1f}" cy="{y:.1f}" r="6"/>'
                     f'<text x="{x:.1f}" y="{y + 20:.1f}" text-anchor="middle">{html.escape(name)}</text></a>')
    parts.append(f'<circle cx="{mid}" cy="{mid}" r="9" class="center"/>'
                 f'<text x="{mid}" y="{mid - 16}" text-anchor="middle" class="center">{html.escape(center)}</text>')
    return Markup(f'<svg class="comention-chart" viewBox="0 0 {size} {size}" role="group" '
                  f'aria-label="People mentioned with {html.escape(center, quote=True)}">{"".join(parts)}</svg>')
