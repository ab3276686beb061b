"""Public pages: the project, health check."""
