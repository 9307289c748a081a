"""Benchmarks of the web application at city scale (list pages, search, dashboard).

The matching engine's own benchmark lives in tooling.matching.bench; `make bench` runs all.
"""
