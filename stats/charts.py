"""Coordinates for the server-rendered SVG charts (templates draw them; no JavaScript)."""

LABEL_WIDTH = 150
BAR_AREA = 360
ROW_HEIGHT = 26


def hbars(rows) -> dict:
    """Horizontal bars for a breakdown: one bar per Row, scaled to the largest."""
    top = max((r.count for r in rows), default=0) or 1
    bars = [
        {
            "y": i * ROW_HEIGHT,
            "text_y": i * ROW_HEIGHT + 17,
            "width": round(BAR_AREA * r.count / top, 1),
            "value_x": LABEL_WIDTH + round(BAR_AREA * r.count / top, 1) + 6,
            "percent_of_top": round(100 * r.count / top, 1),
            "label": r.label,
            "count": r.count,
        }
        for i, r in enumerate(rows)
    ]
    return {
        "bars": bars,
        "height": max(ROW_HEIGHT, len(rows) * ROW_HEIGHT),
        "label_width": LABEL_WIDTH,
        "width": LABEL_WIDTH + BAR_AREA + 90,  # room for a value label of "1,000,000"
    }


def columns(points, *, key: str = "received", height: int = 160) -> dict:
    """Vertical bars for a series of periods, with a few labels along the bottom."""
    n = len(points) or 1
    width = 640
    step = width / n
    top = max((p[key] for p in points), default=0) or 1
    every = max(1, n // 8)
    bars = []
    for i, p in enumerate(points):
        h = round(height * p[key] / top, 1)
        bars.append(
            {
                "x": round(i * step + step * 0.1, 1),
                "w": round(max(step * 0.8, 1), 1),
                "y": round(height - h, 1),
                "h": h,
                "label": p["label"],
                "value": p[key],
                "tick": i % every == 0,
                "tick_x": round(i * step + step / 2, 1),
            }
        )
    return {"bars": bars, "width": width, "height": height, "total_height": height + 22, "top": top}
