"""The appeals service's read models: one module per projection."""
