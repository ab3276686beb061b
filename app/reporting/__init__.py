"""Reporting: what the department reports — statistics, patterns, public figures, exports."""
