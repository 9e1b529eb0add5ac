"""Benchmarks for the site build: cost against a bare Material build (the *floor*) and against
mkdocs-bibtex's own footnotes (the *peer*), scaling, `mkdocs serve` rebuilds, the DOI check, and
page weight. `python -m bench` runs them and writes `BENCHMARKS.md`; thresholds live in that report.
"""
