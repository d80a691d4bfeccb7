"""Equity crowdfunding compliance module (NI 45-110)."""
