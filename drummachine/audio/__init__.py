"""The built-in sound: a synthesised drum kit (`kit`), the voice mixer both paths share (`mixer`), offline
rendering to WAV (`render`, `wav`) and the live audio stream on the player's timeline (`ring`, `clock`, `output`)."""
