"""Model files (TOML, validated, never evaluated) and result files (JSON)."""

from mechopt.io.files import ModelFileError, load_model_file, load_result_file, validate

__all__ = ["ModelFileError", "load_model_file", "load_result_file", "validate"]
