"""The digest chart: a PNG of the period day by day (matplotlib, Agg backend, no display).

Three panels sharing the days: active members and posts, questions answered vs unanswered,
and the median time to a first response.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.metrics.health import Day

WIDTH_INCHES, HEIGHT_INCHES, DPI = 8.0, 8.0, 100  # 800 × 800 pixels

POSTS, ACTIVE = "#9ecae1", "#08519c"
ANSWERED, UNANSWERED = "#41ab5d", "#fd8d3c"
RESPONSE = "#6a51a3"


def digest_chart(days: Sequence[Day], zone: ZoneInfo, title: str) -> bytes:
    """PNG bytes; safe to call from a worker thread (no pyplot, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    FigureCanvasAgg(figure)
    activity, questions, response = figure.subplots(3, 1, sharex=True)
    x = list(range(len(days)))
    labels = [day.start.astimezone(zone).strftime("%a %d") for day in days]

    activity.bar(x, [d.posts for d in days], color=POSTS, label="posts")
    activity.plot(x, [d.active_members for d in days], color=ACTIVE, marker="o",
                  label="active members")
    activity.set_title("Activity", loc="left")
    _legend_above(activity)

    answered = [d.answered for d in days]
    questions.bar(x, answered, color=ANSWERED, label="answered")
    questions.bar(x, [d.unanswered for d in days], bottom=answered, color=UNANSWERED,
                  label="unanswered")
    questions.set_title("Questions by the day they were asked", loc="left")
    _legend_above(questions)

    minutes = [math.nan if d.median_response_seconds is None else d.median_response_seconds / 60
               for d in days]
    response.plot(x, minutes, color=RESPONSE, marker="o")
    response.set_title("Median time to first response (minutes)", loc="left")

    peaks = (
        (activity, max([1, *(max(d.posts, d.active_members) for d in days)])),
        (questions, max([1, *(d.answered + d.unanswered for d in days)])),
        (response, max([1.0, *(m for m in minutes if not math.isnan(m))])),
    )
    for axes, peak in peaks:  # an empty week still reads as whole numbers from zero
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.set_ylim(0, peak * 1.15)
    response.set_xticks(x, labels)
    for axes in (activity, questions, response):
        axes.grid(axis="y", alpha=0.3)
        axes.spines[["top", "right"]].set_visible(False)
    figure.suptitle(title)
    # Fixed margins rather than tight_layout(), which draws the whole figure a second time.
    figure.subplots_adjust(left=0.08, right=0.97, top=0.91, bottom=0.06, hspace=0.35)

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a name with glyphs the font lacks is not an error
        figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _legend_above(axes: Any) -> None:
    """Above the plot, right-aligned across from the title: it never hides a bar."""
    axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize="small",
                frameon=False, borderaxespad=0.2)
