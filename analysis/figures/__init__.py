"""Figure families of analysis/plots.py, one module each; archive.py reads the archive."""
