"""Output formats: renderers that turn results and generated material into files."""
