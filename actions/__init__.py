"""Custom Rasa actions: thin adapters from rasa-sdk to the `bot` package."""
