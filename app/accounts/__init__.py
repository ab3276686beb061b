"""Accounts: users, roles, passwords, server-side sessions and the role guard."""
