"""The notifications service's read models: the directory of people and groups, the inbox and alerts."""
