"""Alerts off the wall, the web side's part: sending one event to one channel (send)."""
