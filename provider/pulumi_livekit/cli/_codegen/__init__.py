"""From LiveKit objects to the Pulumi program a person would have written to manage them.

Each object becomes one resource: its fields in the provider's canonical form (the form an
import is compared against), nested messages as the typed classes that mirror them (Python) or in
LiveKit's JSON spelling (YAML), the IDs of adopted trunks as references, PINs, trunk passwords and
egress credentials read from secret stack config, the import of the object's ID, and `protect` unless
asked not to. One module per language (`_python`, `_yaml`), what they share in `_adopted`, the files
beside a program in `_project`.
"""

from ._adopted import Adopted, LiveKitObject, Program, SecretSetting, name_resources, slug
from ._project import HOST_LAUNCHER, PLUGIN_FOLDER, gitignore, host_launcher, pulumi_yaml, requirements
from ._python import WIDTH, CallExpression, Code, drop_imports, generate
from ._yaml import drop_yaml_imports, generate_yaml

__all__ = ["HOST_LAUNCHER", "PLUGIN_FOLDER", "WIDTH", "Adopted", "CallExpression", "Code", "LiveKitObject", "Program",
           "SecretSetting", "drop_imports", "drop_yaml_imports", "generate", "generate_yaml", "gitignore",
           "host_launcher", "name_resources", "pulumi_yaml", "requirements", "slug"]
