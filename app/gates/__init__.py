"""Security gates run by `make audit` and CI: the dependency lock, pip-audit, the privacy inventory.

Development tools, like app.bench: nothing the web application imports.
"""
