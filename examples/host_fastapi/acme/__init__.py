"""Acme Projects: an existing FastAPI app (its own users, login, projects and error
handlers) that embeds taskflow in identity mode. See ../README.md."""
