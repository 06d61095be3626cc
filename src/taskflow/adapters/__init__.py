"""Adapters: the technology behind each port (memory, SQLAlchemy, Redis, SMTP, web)."""
