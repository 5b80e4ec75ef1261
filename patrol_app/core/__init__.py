"""The device core: store, outbox, sync, photos, geo. No flet imports here."""
