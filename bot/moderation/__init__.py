"""Flag-based moderation: members flag, weighted flags open a case, moderators decide.

`scoring` holds the pure arithmetic (weights, thresholds, reopening); `cases` keeps flags and
cases in the store; `posts` writes what moderators, authors and flaggers read. The handlers in
`bot.handlers` (flagging, moderation_queue, modlog, appeals) wire them to events.
"""
