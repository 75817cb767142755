"""Running a trained model on images: PyTorch and ONNX Runtime stylizers with one interface, devices,
and stylizing image files and folders."""
