"""Training side of drummachine: data, torch models, training and evaluation (needs the `train` extra)."""
