"""Choosing the champion to ask: available now, under capacity, not the asker, not asked
before about this question; then the best topic match, then the fewest open pings.

Built once per sweep per community and updated as pings are handed out, so one sweep spreads
a burst of questions over the champions instead of piling them on the first expert.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from bot.assist.similarity import TopicIndex
from bot.questions.hours import Hours, days_from_mask, zone
from storage.questions_tables import Champion, ChampionTopic

STRONG = 0.75  # a topic score from which a champion counts as a real expert on the question


@dataclass(frozen=True)
class ChampionInfo:
    id: int
    external_id: str
    name: str
    topics: tuple[str, ...]
    hours: Hours | None
    zone: ZoneInfo
    snoozed_until: datetime | None
    capacity: int

    def available(self, now: datetime) -> bool:
        if self.snoozed_until is not None and self.snoozed_until > now:
            return False
        return self.hours is None or self.hours.contains(now, self.zone)


def hours_of(row: Champion) -> Hours | None:
    if row.work_start_minute is None or row.work_end_minute is None:
        return None
    start = time(row.work_start_minute // 60, row.work_start_minute % 60)
    end = time(row.work_end_minute // 60 % 24, row.work_end_minute % 60)
    return Hours(start, end, days_from_mask(row.work_days))


def load_champions(
    session: Session, community_id: int, community_zone: str
) -> list[ChampionInfo]:
    topics: dict[int, list[str]] = defaultdict(list)
    for champion_id, topic in session.execute(
        select(ChampionTopic.champion_id, ChampionTopic.topic)
        .where(ChampionTopic.community_id == community_id).order_by(ChampionTopic.id)
    ):
        topics[champion_id].append(topic)
    rows = session.execute(
        select(Champion).where(Champion.community_id == community_id).order_by(Champion.id)
    ).scalars().all()
    default_zone = zone(community_zone)
    return [
        ChampionInfo(
            id=row.id or 0, external_id=row.member_external_id,
            name=row.display_name or row.member_external_id, topics=tuple(topics[row.id or 0]),
            hours=hours_of(row), zone=zone(row.timezone) if row.timezone else default_zone,
            snoozed_until=row.snoozed_until, capacity=row.capacity,
        )
        for row in rows
    ]


class ChampionPicker:
    def __init__(
        self, champions: Iterable[ChampionInfo], loads: Mapping[str, int],
        topics: Mapping[str, str], now: datetime,
    ) -> None:
        self.available = [c for c in champions if c.available(now)]
        self._by_id = {c.external_id: c for c in self.available}
        self.loads = defaultdict(int, loads)
        vocabulary = dict(topics)
        self._by_topic: dict[str, list[ChampionInfo]] = defaultdict(list)
        for champion in self.available:
            for topic in champion.topics:
                vocabulary.setdefault(topic, "")
                self._by_topic[topic].append(champion)
        self.index = TopicIndex(vocabulary)
        # Least-loaded first, for questions no available expert matches; stale entries (load
        # changed since pushed) are skipped when popped.
        self._by_load = [(self.loads[c.external_id], c.id, c) for c in self.available]
        heapq.heapify(self._by_load)

    def _has_room(self, champion: ChampionInfo) -> bool:
        return self.loads[champion.external_id] < champion.capacity

    def pick(
        self, text: str, tagged: Collection[str], exclude: Collection[str]
    ) -> tuple[ChampionInfo, list[str]] | None:
        """The champion to ask and the topics they matched on, or None if nobody can be."""
        scores = self.index.scores(text)
        for topic in tagged:
            scores[topic] = 1.0
        # Experts first (a strong topic match), then partial matches: the first tier with
        # anyone free decides, so a burst reads only the few champions of the matched topics.
        strong = [t for t, score in scores.items() if score >= STRONG]
        partial = [t for t, score in scores.items() if 0 < score < STRONG]
        for tier in (strong, partial):
            best: tuple[tuple[float, ...], ChampionInfo] | None = None
            for topic in tier:
                score = scores[topic]
                for champion in self._by_topic.get(topic, ()):
                    if champion.external_id in exclude or not self._has_room(champion):
                        continue
                    key = (self.loads[champion.external_id], -score, champion.id)
                    if best is None or key < best[0]:
                        best = (key, champion)
            if best is not None:
                champion = best[1]
                return champion, [t for t in champion.topics if scores.get(t, 0.0) >= 0.5]
        fallback = self._least_loaded(exclude)
        return (fallback, []) if fallback else None

    def _least_loaded(self, exclude: Collection[str]) -> ChampionInfo | None:
        skipped = []
        found = None
        while self._by_load:
            load, _, champion = heapq.heappop(self._by_load)
            if load != self.loads[champion.external_id]:
                continue  # stale; a fresher entry is in the heap
            if not self._has_room(champion):
                continue  # full for the rest of this sweep
            skipped.append((load, champion.id, champion))
            if champion.external_id not in exclude:
                found = champion
                break
        for entry in skipped:
            heapq.heappush(self._by_load, entry)
        return found

    def assign(self, champion: ChampionInfo) -> None:
        self.loads[champion.external_id] += 1
        heapq.heappush(self._by_load, (self.loads[champion.external_id], champion.id, champion))

    def release(self, champion_id: str) -> None:
        """A ping expired: it no longer counts against the champion."""
        if self.loads.get(champion_id, 0) > 0:
            self.loads[champion_id] -= 1
            champion = self._by_id.get(champion_id)
            if champion is not None:
                heapq.heappush(self._by_load, (self.loads[champion_id], champion.id, champion))
