"""The no-op provider of the engine floor, in its own module so dill stores it by reference
(as it stores pulumi_livekit's providers): `__provider` is then small and identical for every
resource, and never a secret, exactly like DispatchRule's."""

import uuid

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

PROVIDER_KEY = "__provider"


class NoopProvider(ResourceProvider):
    serialize_as_secret_always = False  # as SIPResourceProvider: a plain, not encrypted, __provider

    def check(self, _olds, news):
        return CheckResult({k: v for k, v in news.items() if k != PROVIDER_KEY and v is not None}, [])

    def diff(self, _id, olds, news):
        keys = (set(olds) | set(news)) - {PROVIDER_KEY, "noop_id"}
        changed = any(olds.get(k) != news.get(k) for k in keys)
        return DiffResult(changes=changed, replaces=[], delete_before_replace=False)

    def create(self, props):
        object_id = f"NOOP_{uuid.uuid4().hex[:12]}"
        return CreateResult(object_id, {**_inputs(props), "noop_id": object_id})

    def update(self, object_id, _olds, news):
        return UpdateResult({**_inputs(news), "noop_id": object_id})

    def read(self, object_id, props):
        outputs = {**_inputs(props), "noop_id": object_id}
        return ReadResult(object_id, outputs, {k: v for k, v in outputs.items() if k != "noop_id"})

    def delete(self, _object_id, _props):
        pass


def _inputs(props):
    return {k: v for k, v in props.items() if k not in (PROVIDER_KEY, "noop_id")}


PROVIDER = NoopProvider()
