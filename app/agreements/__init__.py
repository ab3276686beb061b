"""Bilateral agreements between the department and business associations."""
