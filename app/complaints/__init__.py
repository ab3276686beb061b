"""Complaints about pressure on businesses: filing, the legal clock, review, decisions."""
