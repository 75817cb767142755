"""From checkpoint to a Barracuda-ready .onnx: the opset-9 exporter, graph rewrites, Barracuda's operator
rules and the validator, ONNX Runtime sessions, the PyTorch parity check, and describing any .onnx (`info`)."""
