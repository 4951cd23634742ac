"""Physio intake assistant: domain logic, intake store and staff web app (no Rasa imports)."""
