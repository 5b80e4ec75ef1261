"""Platform adapters: the phone's GPS, camera, files and network, each behind a small class."""


class Unavailable(Exception):
    """A capability the phone cannot offer now. ``key`` is a catalogue key for the officer
    (patrol_app.ui.i18n); ``reason`` the platform's own words, shown with it."""

    def __init__(self, key: str, reason: str = "") -> None:
        super().__init__(reason or key)
        self.key = key
        self.reason = reason
