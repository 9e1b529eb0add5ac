"""Readers' acceptance tests in a real browser (Debian's Chromium via Playwright) against the built site."""
