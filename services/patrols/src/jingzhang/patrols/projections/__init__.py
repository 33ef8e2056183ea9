"""The patrols service's read models, one module each, with the query class that reads it."""
