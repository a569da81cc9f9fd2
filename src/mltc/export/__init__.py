"""The ONNX export: each member as a graph that onnxruntime runs with the `tokenizers` library."""
