"""The musician's studio without Qt: the session and the object every button drives."""
