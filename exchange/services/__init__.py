"""Writes: services that views, consumers and commands call (HackSoft style)."""
