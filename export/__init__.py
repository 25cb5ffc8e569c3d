"""ONNX export of trained models and parity checks against torch."""
