"""Grooves: the token vocabulary, the Pattern every part speaks, velocities and the morph rules."""
