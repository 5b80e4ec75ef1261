"""Gemeinsame Streife field app. ``core`` is UI-free (no flet imports); ``ui`` and ``platform``
hold the Flet views and the device adapters."""
