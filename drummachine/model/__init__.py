"""The generative model on onnxruntime: the engine, the model folder and its format, latent maths."""
