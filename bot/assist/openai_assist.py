"""The assist on the `openai` SDK (OpenAI or any compatible server via `OPENAI_BASE_URL`).

Classification and suggestions use structured outputs (`chat.completions.parse` with a
pydantic model); matching uses embeddings. Every call has a deadline and a retry budget chosen
here, and any failure (timeout, refusal, a reply that does not fit the schema) returns None or
nothing, so the caller keeps its heuristic answer.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine, Sequence
from typing import Any, Literal

import openai
from openai import AsyncOpenAI
from pydantic import BaseModel, ValidationError

from bot.assist import BackgroundWork, Classification, PastAnswer
from bot.assist.similarity import cosine

log = logging.getLogger(__name__)

# Questions wait minutes for a human; a few seconds for a verdict is plenty, and one retry
# rides out a blip without piling up calls behind a struggling server.
TIMEOUT_SECONDS = 8.0
MAX_RETRIES = 1
EMBEDDING_MODEL = "text-embedding-3-small"
MAX_INPUT = 4000  # characters of a message sent to the model
TOPIC_SIMILARITY = 0.35  # cosine above which an embedding match tags a topic

CLASSIFY_PROMPT = (
    "You triage messages in an online community's chat. Decide whether the message asks for "
    "help or information that someone should answer (greetings, thanks, announcements and "
    "small talk are not questions). Pick its topics, preferring these known topics: {topics}. "
    "Rate urgency: high only for outages, data loss or blockers; low if the asker says so."
)
SUGGEST_PROMPT = (
    "You draft a short, friendly answer to a community member's question using ONLY the past "
    "answers given. If they do not answer the question, set relevant to false. Never invent "
    "facts, commands or links."
)

SUMMARY_PROMPT = (
    "You write the 'what people talked about' line of a community manager's weekly digest: "
    "two or three plain sentences naming the main themes of the posts given, neutral in tone, "
    "naming no one. Never invent topics that are not in the posts."
)
MAX_SUMMARY_INPUT = 12_000  # characters of the week's posts sent to the model


class WeekSummary(BaseModel):
    summary: str


class QuestionVerdict(BaseModel):
    is_question: bool
    topics: list[str]
    urgency: Literal["low", "normal", "high"]


class SuggestedAnswer(BaseModel):
    relevant: bool
    answer: str


class OpenAIAssist:
    def __init__(
        self, client: AsyncOpenAI, *, model: str, embedding_model: str = EMBEDDING_MODEL
    ) -> None:
        self.client = client
        self.model = model
        self.embedding_model = embedding_model
        self.background = BackgroundWork()
        self._topic_vectors: dict[str, list[float]] = {}
        self.failures = 0

    @classmethod
    def connect(
        cls, api_key: str, *, model: str, base_url: str | None = None,
        timeout: float = TIMEOUT_SECONDS, max_retries: int = MAX_RETRIES,
    ) -> OpenAIAssist:
        client = AsyncOpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )
        return cls(client, model=model)

    # --- classification ---------------------------------------------------------------------

    async def classify(self, text: str, topics: Sequence[str]) -> Classification | None:
        known = ", ".join(sorted(topics)[:100]) or "(none yet)"
        try:
            completion = await self.client.chat.completions.parse(
                model=self.model,
                messages=[
                    {"role": "system", "content": CLASSIFY_PROMPT.format(topics=known)},
                    {"role": "user", "content": text[:MAX_INPUT]},
                ],
                response_format=QuestionVerdict,
                temperature=0,
            )
            verdict = completion.choices[0].message.parsed
        except (openai.OpenAIError, ValidationError, ValueError) as exc:
            self._failed("classification", exc)
            return None
        if verdict is None:  # a refusal
            self._failed("classification", "refused")
            return None
        return Classification(
            is_question=verdict.is_question,
            topics=tuple(_clean_topics(verdict.topics)),
            urgency=verdict.urgency,
            source="openai",
        )

    # --- embeddings -------------------------------------------------------------------------

    async def _embed(self, texts: Sequence[str]) -> list[list[float]] | None:
        try:
            response = await self.client.embeddings.create(
                model=self.embedding_model, input=[t[:MAX_INPUT] or " " for t in texts],
                encoding_format="float",
            )
        except (openai.OpenAIError, ValidationError, ValueError) as exc:
            self._failed("embeddings", exc)
            return None
        vectors = [item.embedding for item in sorted(response.data, key=lambda d: d.index)]
        if len(vectors) != len(texts):
            self._failed("embeddings", f"{len(vectors)} vectors for {len(texts)} inputs")
            return None
        return vectors

    async def related_topics(self, text: str, topics: Sequence[str]) -> list[str]:
        missing = [t for t in topics if t not in self._topic_vectors]
        vectors = await self._embed([text, *missing])
        if vectors is None:
            return []
        self._topic_vectors.update(zip(missing, vectors[1:], strict=True))
        scored = [(cosine(vectors[0], self._topic_vectors[t]), t) for t in topics]
        return [t for score, t in sorted(scored, reverse=True)[:3] if score >= TOPIC_SIMILARITY]

    async def closest_answers(
        self, question: str, candidates: Sequence[PastAnswer], limit: int
    ) -> list[PastAnswer]:
        if not candidates:
            return []
        vectors = await self._embed([question, *(c.question for c in candidates)])
        if vectors is None:
            return list(candidates[:limit])
        ranked = sorted(
            zip(candidates, vectors[1:], strict=True),
            key=lambda pair: -cosine(vectors[0], pair[1]),
        )
        return [candidate for candidate, _ in ranked[:limit]]

    # --- suggested answers ------------------------------------------------------------------

    async def suggest_answer(self, question: str, sources: Sequence[PastAnswer]) -> str | None:
        if not sources:
            return None
        context = "\n\n".join(
            f"Past question {n}: {s.question[:1500]}\nIts answer: {s.answer[:1500]}"
            for n, s in enumerate(sources, start=1)
        )
        try:
            completion = await self.client.chat.completions.parse(
                model=self.model,
                messages=[
                    {"role": "system", "content": SUGGEST_PROMPT},
                    {"role": "user",
                     "content": f"{context}\n\nNew question: {question[:MAX_INPUT]}"},
                ],
                response_format=SuggestedAnswer,
                temperature=0,
            )
            suggestion = completion.choices[0].message.parsed
        except (openai.OpenAIError, ValidationError, ValueError) as exc:
            self._failed("suggestion", exc)
            return None
        if suggestion is None or not suggestion.relevant or not suggestion.answer.strip():
            return None
        return suggestion.answer.strip()[:1500]

    # --- digest summaries -------------------------------------------------------------------

    async def summarize(self, texts: Sequence[str]) -> str | None:
        """A short neutral summary of the week's posts for the managers' digest."""
        posts, size = [], 0
        for text in texts:
            size += len(text) + 3
            if size > MAX_SUMMARY_INPUT:
                break
            posts.append(text)
        if not posts:
            return None
        try:
            completion = await self.client.chat.completions.parse(
                model=self.model,
                messages=[{"role": "system", "content": SUMMARY_PROMPT},
                          {"role": "user", "content": "\n---\n".join(posts)}],
                response_format=WeekSummary,
                temperature=0,
            )
            parsed = completion.choices[0].message.parsed
        except (openai.OpenAIError, ValidationError, ValueError) as exc:
            self._failed("summary", exc)
            return None
        return parsed.summary.strip() or None if parsed is not None else None

    # --- background -------------------------------------------------------------------------

    def run_in_background(self, work: Coroutine[Any, Any, None], name: str) -> None:
        self.background.start(work, name)

    async def idle(self) -> None:
        await self.background.idle()

    async def close(self) -> None:
        await self.background.cancel()
        await self.client.close()

    def _failed(self, what: str, error: object) -> None:
        self.failures += 1
        kind = type(error).__name__ if isinstance(error, BaseException) else str(error)
        log.warning("OpenAI %s failed (%s); using the local heuristics", what, kind)


def _clean_topics(topics: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for topic in topics:
        name = " ".join(str(topic).lower().split())[:40]
        if name and name not in cleaned:
            cleaned.append(name)
    return cleaned[:5]
