"""Site-wide citations for a MkDocs site: load a BibTeX file, number citations across pages,
render them, and check the references before publishing.

Every module here is free of MkDocs; `scripts/hooks.py` is the thin adapter that calls them.
"""
