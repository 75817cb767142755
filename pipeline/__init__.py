"""stylebridge pipeline: train, export, validate and deploy real-time style-transfer models."""

__version__ = "0.1.0"
