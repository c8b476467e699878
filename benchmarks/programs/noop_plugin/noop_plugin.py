"""The engine floor of the YAML side of `make bench`: a provider plugin whose resources touch nothing.

Served by the same SDK server as `pulumi-resource-livekit` (pulumi.provider.experimental), with the
bench rule's properties and lifecycle (create, a local diff, in-place update, read, delete), so a Pulumi
YAML program of N `benchnoop:index:Noop` costs what N plugin resources cost minus LiveKit and our code.
benchmarks/run.py starts it through a `pulumi-resource-benchnoop` script it writes beside the program.
"""

import json
import sys
import uuid

from pulumi.provider.experimental import server
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    CreateResponse,
    DiffResponse,
    GetSchemaResponse,
    Provider,
    UpdateResponse,
)

PACKAGE = "benchnoop"
TYPE = f"{PACKAGE}:index:Noop"
ID_PROPERTY = "noopId"
VERSION = "0.0.1"
_INPUTS = {
    "rule": {"$ref": "pulumi.json#/Any"},
    "name": {"type": "string"},
    "trunkIds": {"type": "array", "items": {"type": "string"}},
}
SCHEMA = json.dumps({
    "name": PACKAGE,
    "version": VERSION,
    "resources": {TYPE: {
        "inputProperties": _INPUTS,
        "properties": {**_INPUTS, ID_PROPERTY: {"type": "string"}},
        "required": [ID_PROPERTY],
    }},
})


class NoopProvider(Provider):
    async def get_schema(self, request):
        return GetSchemaResponse(SCHEMA)

    async def diff(self, request):
        olds, news = request.old_state, request.new_inputs
        keys = (set(olds) | set(news)) - {ID_PROPERTY}
        changed = sorted(k for k in keys if olds.get(k) != news.get(k))
        return DiffResponse(changes=bool(changed), diffs=changed)

    async def create(self, request):
        if request.preview:
            return CreateResponse(None, {**request.properties, ID_PROPERTY: PropertyValue.computed()})
        object_id = f"NOOP_{uuid.uuid4().hex[:12]}"
        return CreateResponse(object_id, {**request.properties, ID_PROPERTY: PropertyValue(object_id)})

    async def update(self, request):
        return UpdateResponse({**request.news, ID_PROPERTY: PropertyValue(request.resource_id)})

    async def delete(self, request):
        pass


if __name__ == "__main__":
    server.main(sys.argv[1:], VERSION, NoopProvider())
