"""Trending topics without AI: the words people used most in the period, compared with the
period before. Word counting cannot be a portable SQL aggregate, so it reads a bounded sample
(the latest `SAMPLE` posts of each period), never every row."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from bot.metrics.periods import Period
from bot.metrics.sql import counted_posts
from storage.models import Member, Message

SAMPLE = 2000
MAX_TEXT = 2000  # characters of each post that are read

_WORD = re.compile(r"[^\W\d_][\w'’-]{2,}")  # three letters or more: "api", "sql" count
_NOISE = re.compile(r"https?://\S+|<[^>]*>|`[^`]*`")
_STOPWORD_TEXT = """
about above after again against all also always am among and another any anyone anything are
around aren't back because been before being below between both but can can't cannot could
couldn't did didn't does doesn't doing done don't down during each either else even ever every
everyone few first for from further get gets getting give going gonna good got great had hadn't
has hasn't have haven't having hello help here here's hers herself hey him himself his how
i'd i'll i'm i've into isn't it's its itself just know last like little look looking make many
maybe more most much must myself need needs never new next nice not nothing now off once only
other others our ours ourselves out over own please pretty quite rather really right said same
see seems should shouldn't since some someone something still such sure take than thank thanks
that that's the their theirs them themselves then there there's these they they'd they'll
they're they've thing things think this those though through thx today too try trying under
until use used using very want was wasn't way we'd we'll we're we've well were weren't what
what's when where which while who whom why will with within without won't would wouldn't yeah
yes yet you you'd you'll you're you've your yours yourself yourselves she her one two lot bit
let may per via etc ago the
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class Topic:
    word: str
    count: int
    previous: int


def words_of(text: str) -> list[str]:
    cleaned = _NOISE.sub(" ", text[:MAX_TEXT]).lower()
    return [w.strip("'’-") for w in _WORD.findall(cleaned) if w.strip("'’-") not in STOPWORDS]


def _word_counts(session: Session, community_id: int, period: Period) -> Counter[str]:
    texts = session.execute(
        select(Message.text)
        .where(counted_posts(community_id, period.start, period.end))
        .order_by(Message.posted_at.desc()).limit(SAMPLE)
    ).scalars()
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(set(words_of(text)))  # a word counts once per post: no shouting wins
    return counts


def trending_topics(
    session: Session, community_id: int, period: Period, *, limit: int = 8
) -> list[Topic]:
    """Words in at least two posts of the period, those that rose most first."""
    now = _word_counts(session, community_id, period)
    before = _word_counts(session, community_id, period.previous)
    ranked = sorted(
        (word for word, count in now.items() if count >= 2),
        key=lambda word: (-(now[word] - before[word]), -now[word], word),
    )[:limit * 4]
    names = _member_names(session, community_id, ranked)  # "welcome ana!" is no topic
    return [Topic(word, now[word], before[word]) for word in ranked
            if word not in names][:limit]


def _member_names(session: Session, community_id: int, words: list[str]) -> set[str]:
    if not words:
        return set()
    found = session.execute(
        select(func.lower(Member.display_name), func.lower(Member.external_id))
        .where(Member.community_id == community_id,
               func.lower(Member.display_name).in_(words)
               | func.lower(Member.external_id).in_(words))
    ).all()
    return {name for row in found for name in row}
