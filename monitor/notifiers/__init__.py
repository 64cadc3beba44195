"""Notifiers deliver one alert on one channel (mailbox file, Slack, email)."""
