"""Production profile: configuration rendering and the local multi-instance runner."""
