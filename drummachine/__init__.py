"""drummachine: a generative drum machine. The app side: numpy, mido and onnxruntime, never torch."""

__version__ = "0.1.0"
