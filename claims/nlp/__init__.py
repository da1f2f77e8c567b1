"""Plain-Python NLP building blocks (no Django imports), usable from web, worker and scripts alike."""
