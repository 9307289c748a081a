"""Security gates run by `make audit` and CI: the dependency lock, pip-audit, the privacy inventory.

Development tools run from the checkout: nothing the web application imports.
"""
