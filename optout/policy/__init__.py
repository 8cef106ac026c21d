"""Versions of the privacy policy, and which consents a material change made stale."""
