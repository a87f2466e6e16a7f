"""Community health metrics: indexed SQL aggregates over a period, each compared with the
period before it (the playbooks' engagement, adoption, participation ladder and people lists).

Every figure leaves out bots and deleted messages on purpose: a bot's chatter is not
engagement, and a deleted message, for the numbers, never happened.

Kept light on purpose (the config imports `bot.metrics.periods`): import the modules you need.
"""
