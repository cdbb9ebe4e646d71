"""ITA framework versions as validated data files (no Django needed to read them)."""
