"""Pydantic schemas of model files, one module per family of kinds, and the objects they build."""
