"""The patrols service's reactors: consumers that record events, one module each (duty fulfilment)."""
