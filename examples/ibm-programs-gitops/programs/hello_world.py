"""Runtime program: greet, publish one interim result, return the greeting."""


def main(backend, user_messenger, **kwargs):
    name = kwargs.get("name", "world")
    user_messenger.publish({"progress": "greeting"})
    return f"Hello, {name}! (from {backend.name})"
