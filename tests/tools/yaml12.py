"""The YAML 1.2 core schema for PyYAML, as the YAML language server and
partnerfit read intakes: no yes/no/on/off booleans (country: NO stays
text), no octal 0755, no timestamps (a date is text), no sexagesimal
numbers. Shared by the test tools that read intakes."""
import re

import yaml


class Core12(yaml.SafeLoader):
    """YAML 1.2 core schema: no yes/no/on/off booleans, no octal 0755, no
    timestamps (a date is text), no sexagesimal numbers."""


Core12.yaml_implicit_resolvers = {}
for tag, regexp, first in [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     list("-+0123456789.")),
]:
    Core12.add_implicit_resolver(tag, re.compile(regexp), first)


def construct_int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def construct_bool(loader, node):
    return loader.construct_scalar(node).lower() == "true"


Core12.add_constructor("tag:yaml.org,2002:int", construct_int)
Core12.add_constructor("tag:yaml.org,2002:bool", construct_bool)
