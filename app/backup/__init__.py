"""Backups (``flask --app wsgi backup create|restore``), retention and storage housekeeping."""
