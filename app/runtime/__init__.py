"""How the application runs as a service: logs, proxies, database sessions, the WSGI entry."""
