"""`community-bot demo`: a scripted tour of every feature, played through the console."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from rich.console import Console

from bot.clock import ManualClock
from bot.community_config import CommunityConfig
from bot.platforms.console.runner import run_console
from bot.platforms.console.session import ConsoleSession
from storage.db import Store

# Monday morning, so a week of programming unfolds in order.
DEMO_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Each chapter is typed into the console in order. Lines starting with "# " are narration;
# messages are referred to as `last` (the latest member message in the channel) so that
# chapters do not depend on each other's message numbers.
WELCOME_WAGON = """\
# Welcome wagon: three people join within a minute.
/join ana
/join ben
/advance 30s
/join chloe
# Each got a private getting-started DM; once the batch window passes, one public welcome.
/advance 2m
# Ana leaves and comes back: nobody is welcomed twice.
/leave ana
/join ana
/advance 3m
"""

CONVERSATION = """\
# Members talk; the bot records who says what, in threads too.
/as ana
/in introductions
Hi all, I'm Ana, I build data pipelines.
/as ben
/reply last Welcome Ana! Ben here, I do infra.
"""

COMMANDS = """\
# Anyone can ask the bot what it can do; managers see more.
/in general
/community help
/as maria
/community help
"""

MODERATION = """\
# Moderation: members flag a spammy message; the bot gathers, a moderator decides.
/in general
/as sam
🔥 Buy 10,000 followers for $5 at cheap-followers.example!!! DM me for crypto deals
# Ana flags it with a reaction: the reaction is taken off at once, so nobody sees who flagged.
/as ana
/react last 🚩
/as ben
/flag last spam selling followers to everyone
# Members weigh 1, Chloe is a champion (2): the score passes 3 and a case opens, naming no flagger.
/as chloe
/flag last spam
/as mo
/click Remove message
# The message is gone (its text is kept); Sam was told why, privately, and appeals by replying.
/as sam
/dm Sorry, I thought deals were welcome here. It won't happen again.
/as mo
/community modlog @sam
"""

PROGRAMMING = """\
# Scheduled programming: Wednesday Welcomes, Thursday Tips, Friday Fun, each posted once.
/as maria
/in general
/community program list
# Maria adds a tip and moves it to the front of the queue.
/community tip add Pair up: ask a champion to review your first pull request.
/community tip move 11 1
# Wednesday: newcomers welcomed by name, each with a champion; drip DMs; a heads-up for Chloe.
/advance-to wed 10:05
# Chloe does not need newcomer tips: one click opts her out.
/as chloe
/click Stop these tips
# Thursday: the tip Maria added is posted; Friday afternoon, an icebreaker.
/advance-to thu 10:05
/advance-to fri 15:05
"""

MANAGERS_VIEW = """\
# The manager's view: the community's health by command. Replies are private; --post shares one.
/as maria
/in community-managers
/community stats --post
/community ladder
/community at-risk
# The digest on demand: the week in numbers, a chart, people to thank and to reach out to.
/community digest now
# Every Monday morning the digest arrives by itself, once.
/advance-to mon 09:30
/advance 1h
"""

UNANSWERED_QUESTIONS = """\
# Unanswered questions: Maria names champions and what they know about.
/as maria
/in general
/community champion add @chloe postgres databases
/community champion add @ben postgres
# Ana asks in #help. Nobody answers...
/as ana
/in help
How do I stop autovacuum from blocking my nightly import?
# ...for half an hour: Chloe, the best match, gets a DM with buttons; Ana gets a gentle nudge.
/advance 31m
# Chloe is busy: "Not mine" passes it on, and Ben is asked at once.
/as chloe
/click Not mine
/as maria
/community questions
/as ben
/click I'll take it
/reply last Set autovacuum_enabled = false on that table during the import, then run VACUUM ANALYZE.
# The answer closes the question; the thread is now in the FAQ for the next person.
/as maria
/community questions
/as dana
/community faq autovacuum import
"""

CHAPTERS: tuple[str, ...] = (
    WELCOME_WAGON, CONVERSATION, COMMANDS, MODERATION, PROGRAMMING, UNANSWERED_QUESTIONS,
    MANAGERS_VIEW,  # last: the manager's view of everything above, and the Monday digest
)


async def play_demo(
    config: CommunityConfig, store: Store, console: Console | None = None
) -> ConsoleSession:
    out = console or Console(highlight=False)
    return await run_console(
        config, store, lines=_narrated("".join(CHAPTERS), out), echo=True,
        clock=ManualClock(DEMO_START), console=out,
    )


def _narrated(script: str, out: Console) -> Iterator[str]:
    for line in script.splitlines():
        if line.startswith("# "):
            out.print(f"\n[bold blue]── {line[2:]}[/]")
        elif line.strip():
            yield line
