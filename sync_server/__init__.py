"""Gemeinsame Streife sync server: receives reports and photos, hands out reference data."""
