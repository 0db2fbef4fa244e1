"""One module per capability, each declaring its `CAPABILITY` for the registry (core/registry.py)."""
