"""Community bot: a community manager's assistant for Slack, Discord and a console workspace."""
