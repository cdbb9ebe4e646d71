"""The OIT: evidence entry, capture, review, clarification and confirmation."""
