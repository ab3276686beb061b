"""Businesses and associations the portal users represent."""
