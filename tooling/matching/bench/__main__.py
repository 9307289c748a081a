"""`python -m tooling.matching.bench`: run the matching benchmark (see run.py)."""

from __future__ import annotations

import sys

from tooling.matching.bench.run import main

if __name__ == "__main__":
    sys.exit(main())
