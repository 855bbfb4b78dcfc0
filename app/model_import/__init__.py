"""Import model…: a dialog that reads a TorchScript, ONNX or state_dict file in a worker
and hands back an :class:`engine.model_files.ImportedModel` (shared: any page may show it)."""

from app.model_import.import_dialog import ImportModelDialog, parse_input_shape
from app.model_import.loader import ModelLoader

__all__ = ["ImportModelDialog", "ModelLoader", "parse_input_shape"]
