"""A dynamic resource that touches nothing: proves the engine, language host and provider plugin."""

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class NoopProvider(ResourceProvider):
    def create(self, props):
        return CreateResult(f"noop-{props['label']}", {"label": props["label"]})


class Noop(Resource):
    def __init__(self, name: str, label: str) -> None:
        super().__init__(NoopProvider(), name, {"label": label})


count = pulumi.Config().get_int("count") or 1
things = [Noop(f"noop-{i}", f"label-{i}") for i in range(count)]
pulumi.export("labels", [t.label for t in things])
