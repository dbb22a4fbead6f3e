"""Reads: selectors that views call (HackSoft style)."""
