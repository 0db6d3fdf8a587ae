"""The exercise library browser (reads the knowledge base; no tables of its own)."""
