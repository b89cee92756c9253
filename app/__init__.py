"""Wiring: settings, the one place that builds engines, bots, Redis clients and the web app."""
