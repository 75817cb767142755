"""From checkpoint to a Barracuda-ready .onnx: the opset-9 exporter, graph rewrites, Barracuda's operator
rules and the validator, ONNX Runtime sessions and the PyTorch parity check."""
