"""The patrols service's read models and its one reactor (duty fulfilment), one module each."""
