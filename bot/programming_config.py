"""The `[programming]` config section: built-in programmes, seed content and the newcomer drip.

Programmes named here are copied into the store for each community the first time the bot sees
it (with their seed tips and icebreakers); after that managers run them by command, while the
cadence, channel, texts and owner keep following this file.
"""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.cadence import CadenceError, parse_cadence
from bot.clock import parse_duration

CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,79}$")
STEP_NAME = re.compile(r"^[a-z0-9][a-z0-9\-]{0,39}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _duration(value: str) -> str:
    parse_duration(value)
    return value


class ProgrammeSpec(_Strict):
    """One built-in programme. `text` holds its placeholder: `{newcomers}` (Wednesday
    Welcomes), `{tip}` (Thursday Tips) or `{prompt}` (Friday Fun)."""

    enabled: bool = True
    title: str
    channel: str
    cron: str
    owner: str = ""  # platform:id of the champion who gets a heads-up the day before
    text: str

    @field_validator("channel")
    @classmethod
    def _channel_name(cls, value: str) -> str:
        value = value.lstrip("#").lower()
        if not CHANNEL_NAME.match(value):
            raise ValueError("a channel name: lowercase letters, digits, - and _")
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        try:
            parse_cadence(value, "UTC")
        except CadenceError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str) -> str:
        if value and (value.count(":") != 1 or not all(value.split(":"))):
            raise ValueError("write the owner as platform:id, e.g. slack:U0123")
        return value


class DripStep(_Strict):
    name: str
    after: str  # since joining, e.g. "2d"
    text: str  # {name}, {community} and {survey} are filled in
    skip_if_active: bool = False  # a nudge: not sent to members who have posted

    @field_validator("after")
    @classmethod
    def _after(cls, value: str) -> str:
        return _duration(value)

    @field_validator("name")
    @classmethod
    def _step_name(cls, value: str) -> str:
        if not STEP_NAME.match(value):
            raise ValueError("a step name: lowercase letters, digits and -, at most 40")
        return value

    @property
    def delay(self) -> timedelta:
        return parse_duration(self.after)


DEFAULT_DRIP_STEPS = (
    DripStep(name="good-questions", after="2d", text=(
        "Hi {name}! A tip for your first days in {community}: a good question says what you "
        "tried, what happened and what you expected. Ask in #help — people love to help."
    )),
    DripStep(name="first-post-nudge", after="7d", skip_if_active=True, text=(
        "Hi {name}, you've been with us a week! 👋 Why not say hello in #introductions, or "
        "ask the question you've been saving up in #help?"
    )),
    DripStep(name="check-in", after="30d", text=(
        "Hi {name}, it's been a month in {community}. How is it going? Two minutes of "
        "feedback helps us a lot: {survey}"
    )),
)


class DripSection(_Strict):
    enabled: bool = True
    survey_url: str = ""
    late_limit: str = "3d"  # a step overdue by more than this (the bot was off) is skipped
    steps: list[DripStep] = Field(default_factory=lambda: list(DEFAULT_DRIP_STEPS))

    @field_validator("late_limit")
    @classmethod
    def _late(cls, value: str) -> str:
        return _duration(value)

    @field_validator("steps")
    @classmethod
    def _unique_names(cls, steps: list[DripStep]) -> list[DripStep]:
        names = [step.name for step in steps]
        if len(set(names)) != len(names):
            raise ValueError("two drip steps share a name; each name must be unique")
        return steps

    @property
    def late(self) -> timedelta:
        return parse_duration(self.late_limit)


class ProgrammingSection(_Strict):
    enabled: bool = True
    grace: str = "2h"  # a missed occurrence posts late within this, beyond it is skipped
    heads_up: str = "1d"  # how long before an occurrence its owner gets a heads-up DM
    low_queue_warning: int = Field(default=2, ge=0, le=50)
    wednesday_welcomes: ProgrammeSpec = ProgrammeSpec(
        title="Wednesday Welcomes", channel="introductions", cron="0 10 * * wed",
        text="🌱 Wednesday Welcomes! Say hello to this week's newcomers:{newcomers}\n"
             "Newcomers: introduce yourselves in the thread — who you are and what you're "
             "working on. Champions: say hi!",
    )
    thursday_tips: ProgrammeSpec = ProgrammeSpec(
        title="Thursday Tips", channel="general", cron="0 10 * * thu",
        text="💡 Thursday Tip: {tip}",
    )
    friday_fun: ProgrammeSpec = ProgrammeSpec(
        title="Friday Fun", channel="general", cron="0 15 * * fri",
        text="🎉 Friday Fun: {prompt} Answer in the thread!",
    )
    tips: list[str] = Field(default_factory=list)
    icebreakers: list[str] = Field(default_factory=list)
    drip: DripSection = DripSection()

    @field_validator("grace", "heads_up")
    @classmethod
    def _durations(cls, value: str) -> str:
        return _duration(value)

    @model_validator(mode="after")
    def _placeholders(self) -> ProgrammingSection:
        for key, placeholder in BUILT_IN_PLACEHOLDERS.items():
            spec: ProgrammeSpec = getattr(self, key)
            if placeholder not in spec.text:
                raise ValueError(f"{key}.text must contain {placeholder}")
        return self

    @property
    def grace_period(self) -> timedelta:
        return parse_duration(self.grace)

    @property
    def heads_up_before(self) -> timedelta:
        return parse_duration(self.heads_up)

    def built_ins(self) -> dict[str, tuple[str, ProgrammeSpec]]:
        """Programme name → (content source, spec), for the enabled built-ins."""
        found = {}
        for key, source in BUILT_IN_SOURCES.items():
            spec: ProgrammeSpec = getattr(self, key)
            if spec.enabled:
                found[key.replace("_", "-")] = (source, spec)
        return found


BUILT_IN_SOURCES = {
    "wednesday_welcomes": "newcomers", "thursday_tips": "tips", "friday_fun": "icebreakers",
}
BUILT_IN_PLACEHOLDERS = {
    "wednesday_welcomes": "{newcomers}", "thursday_tips": "{tip}", "friday_fun": "{prompt}",
}
