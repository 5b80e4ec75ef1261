"""HTTP API: one router module per resource, errors in one shape (see errors.py)."""
