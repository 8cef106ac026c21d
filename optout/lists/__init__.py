"""Sending lists: filtering them against the recorded choices, with every kept recipient's links."""
