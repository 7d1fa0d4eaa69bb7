"""Pieces every feature uses: time, forms, the home pages and the health check."""
