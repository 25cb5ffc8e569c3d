"""The PySide6 window: a thin shell over Session, Engine and Player."""
