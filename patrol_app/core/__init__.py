"""The device core: store, outbox, sync, photos, route. The rules it
shares with the server (presence, stop states) are in ``patrol_rules``. No flet imports here."""
