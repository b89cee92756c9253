"""Inbound HTTP for machines: the Telegram webhook, health and readiness."""
