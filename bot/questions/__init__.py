"""Unanswered questions: the store operations, texts, hours and champion matching that the
question handlers (`bot.handlers.questions`, `bot.handlers.champions`) and the SLA sweep
(`bot.jobs.sla_sweep`) share."""
