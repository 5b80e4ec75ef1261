"""The cooperation's rules, applied alike by the device and the server: distances and geofences
(:mod:`.geo`), the proof-of-presence verdict (:mod:`.presence`) and route stop states
(:mod:`.stops`). UI-free; imports only ``patrol_wire`` and geopy. Neither ``patrol_app`` nor
``sync_server`` is imported here; both import this.
"""
