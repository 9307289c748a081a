"""Performance benchmark of the matching engine at city scale (`make bench`).

corpus: a deterministic synthetic corpus from the seed vocabulary; baselines: naive TF-IDF refit,
rank_bm25 and a plain jieba + scikit-learn batch ranker; run: the harness that measures the
engine beside them and writes docs/performance.md. Pure Python: no Flask, no database.
"""
