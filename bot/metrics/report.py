"""How the figures read: a number next to the previous period's, durations, shares."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.metrics.health import Health
from bot.metrics.periods import describe_length


def change(now: int, before: int) -> str:
    if now == before:
        return "same as before"
    arrow = "▲" if now > before else "▼"
    return f"{arrow} {abs(now - before):,} from {before:,}"


def count(now: int, before: int) -> str:
    return f"{now:,} ({change(now, before)})"


def plural(number: int, noun: str, nouns: str | None = None) -> str:
    return f"{number:,} {noun if number == 1 else nouns or noun + 's'}"


def share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def duration(seconds: float | None) -> str:
    """`40s`, `25m`, `3h 05m`, `2d 4h`; `—` when there is nothing to time."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def was(now: str, before: str) -> str:
    return now if now == before else f"{now} (was {before})"


def health_lines(health: Health) -> list[str]:
    """The engagement and adoption figures, each against the previous period."""
    e, pe = health.now.engagement, health.before.engagement
    a, pa = health.now.adoption, health.before.adoption
    q, pq = e.questions, pe.questions
    return [
        "Engagement:",
        f"• Active members: {count(e.active_members, pe.active_members)}",
        f"• Posts: {count(e.posts, pe.posts)}; per active contributor "
        f"{was(number(e.posts_per_contributor), number(pe.posts_per_contributor))}",
        f"• Threads started: {count(e.threads, pe.threads)}; with replies "
        f"{was(share(e.reply_share), share(pe.reply_share))}; replies per thread "
        f"{was(number(e.replies_per_thread), number(pe.replies_per_thread))}",
        f"• Reactions per post: "
        f"{was(number(e.reactions_per_post), number(pe.reactions_per_post))}",
        f"• Questions: {count(q.asked, pq.asked)}; answered "
        f"{was(share(q.answered_rate), share(pq.answered_rate))}",
        f"• Time to first response: median "
        f"{was(duration(q.median_seconds), duration(pq.median_seconds))}, p90 "
        f"{was(duration(q.p90_seconds), duration(pq.p90_seconds))}",
        "Adoption:",
        f"• Members: {count(a.members, pa.members)}",
        f"• Active {was(share(a.active_share), share(pa.active_share))} · contributors "
        f"{was(share(a.contributor_share), share(pa.contributor_share))} · readers (never "
        f"posted) {was(share(a.reader_share), share(pa.reader_share))}",
        f"• Newcomers: {count(a.newcomers, pa.newcomers)}; {a.newcomers_posted:,} of them "
        "posted",
    ]


def period_title(health: Health, zone: ZoneInfo) -> str:
    length = describe_length(health.now.period.length)
    return (f"{health.now.period.label(zone)}, compared with the {length} before")
