"""Development tooling beside the app: benchmarks, the matching engine's evaluation and tuning.

Run from a source checkout (`make bench`, `python -m tooling.matching evaluate …`); not
installed with the app. Tooling may import app; app never imports tooling
(tests/unit/test_tooling_boundary.py).
"""
