"""Django-free helpers the web side owns and ingest uses: ID ranges, addresses, backoff.

Nothing here imports Django, `ingest` or a vendor package.
"""
