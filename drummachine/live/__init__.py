"""Live playing: the real-time player, its clocks and the sources its bars come from."""
