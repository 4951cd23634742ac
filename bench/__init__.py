"""Side-by-side benchmark of our service and Rasa's own `rasa init` bot (`python -m bench`)."""
