"""The objects a program adopts, named as a person would name them, with their fields as that person would
declare them: the part of code generation every language shares."""

from __future__ import annotations

import keyword
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from google.protobuf.message import Message

from ..._core.providers import PROVIDERS
from ..._model import canonical
from ..._model.kinds import AUTH_PASSWORD, KINDS, PIN, Kind
from ..._model.secrets import replace_credentials
from ..._model.stored import without_media_copy


@dataclass(frozen=True)
class LiveKitObject:
    kind: Kind
    message: Message

    @property
    def id(self) -> str:
        return getattr(self.message, self.kind.id_field)

    @property
    def name(self) -> str:
        return self.message.name

    @property
    def trunk_ids(self) -> tuple[str, ...]:
        return tuple(getattr(self.message, "trunk_ids", ()))


@dataclass(frozen=True)
class Adopted:
    source: LiveKitObject
    resource_name: str
    variable: str


@dataclass(frozen=True)
class SecretSetting:
    key: str
    value: str
    path: bool = False  # `key` is a path into an object (`pulumi config set --path`)


@dataclass(frozen=True)
class Program:
    source: str
    adopted: tuple[Adopted, ...]
    secrets: tuple[SecretSetting, ...]


# The stack config key of a secret is the resource name plus this suffix.
_SECRET_SUFFIXES = {PIN: "pin", AUTH_PASSWORD: "password"}
# Names the program itself uses.
_TAKEN_VARIABLES = frozenset({"pulumi", "livekit", "config"})



def slug(text: str) -> str:
    """Lowercase ASCII letters and digits, `-` between words: `Main line (EU)` -> `main-line-eu`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _unique(base: str, taken: set[str], separator: str) -> str:
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}{separator}{number}"
    taken.add(candidate)
    return candidate


def name_resources(objects: Iterable[LiveKitObject]) -> list[Adopted]:
    """Resource and variable names from the objects' names (their IDs when unnamed), unique, in program order.

    The order (kind, then name, then ID) does not depend on the order LiveKit lists objects in, so the
    same objects always get the same names."""
    ordered = sorted(objects, key=lambda o: (KINDS.index(o.kind), o.name.casefold(), o.name, o.id))
    names: set[str] = set()
    variables: set[str] = set(_TAKEN_VARIABLES)
    adopted = []
    for item in ordered:
        resource_name = _unique(slug(item.name) or slug(item.id), names, "-")
        variable = resource_name.replace("-", "_")
        if variable[0].isdigit() or keyword.iskeyword(variable) or variable in _TAKEN_VARIABLES:
            variable = f"{item.kind.noun.replace(' ', '_')}_{variable}"
        adopted.append(Adopted(item, resource_name, _unique(variable, variables, "_")))
    return adopted



def declared_fields(item: Adopted, trunk_references: Mapping[str, Any],
            secret_reference: Callable[[str], Any]) -> tuple[dict[str, Any], list[SecretSetting]]:
    """The object's fields as declared (snake_case): secrets as references to their config keys, adopted
    trunks as references to their resources."""
    kind, message = item.source.kind, item.source.message
    provider = PROVIDERS[kind]
    fields = provider.split_secrets(canonical.canonical_from_message(message))
    secrets = []

    def reference(key: str, credential: str) -> Any:
        setting = SecretSetting(key, credential)
        secrets.append(setting)
        return secret_reference(setting.key)

    for key in kind.secret_keys:
        if fields.get(key):
            fields[key] = reference(f"{item.resource_name}-{_SECRET_SUFFIXES[key]}", fields[key])
    # Credentials nested in a field (an egress's upload keys in `room_config`): a config key named by their path.
    nested = {key: value for key, value in fields.items() if key not in kind.secret_keys}
    fields.update(replace_credentials(message.DESCRIPTOR, nested, lambda path, credential: reference(
        f"{item.resource_name}-{slug(path)}", credential)))
    fields = provider.join_secrets(fields)
    fields = without_media_copy(fields)
    if "trunk_ids" in fields:
        fields["trunk_ids"] = [trunk_references.get(trunk_id, trunk_id) for trunk_id in fields["trunk_ids"]]
    return fields, secrets
