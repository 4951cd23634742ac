"""Rasa graph components that run inside the Rasa engine (engine environment only)."""
