"""MIDI in and out: the file reader and clip writer, note maps, ports and their reconnection."""
