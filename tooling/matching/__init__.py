"""The matching engine's tooling: held-out evaluation, weight tuning, calibration fitting on a
labelled dev set (`python -m tooling.matching`), the baselines it is compared with, and the
city-scale benchmark (tooling.matching.bench). The engine itself is app.matching.
"""
