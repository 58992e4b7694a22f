"""Imports every module generated into the directory given as argv[1] in one interpreter, beside grpcio.

Checks what users of the Python client rely on: the generated tree holds no top-level package that
shadows an installed one (`grpc` from grpcio, `google.protobuf`), each module is reached by its fully
qualified name (`syncline.secrets.v1.resources_pb2` and `syncline.connections.v1.resources_pb2` are two
modules), and every service stub is there. Prints one JSON line: the roots, modules, services and
the `resources_pb2` modules with their proto packages. Exits non-zero on any clash.
"""

import importlib
import json
import os
import sys

root = os.path.abspath(sys.argv[1])
sys.path.insert(0, root)

import grpc  # noqa: E402  (imported after the generated tree is first on the path, as a user would have it)
import google.protobuf  # noqa: E402

if not hasattr(grpc, "insecure_channel") or not grpc.__file__ or grpc.__file__.startswith(root):
    sys.exit(f"`grpc` is not grpcio: {getattr(grpc, '__file__', None)}")

modules = []
for directory, _, files in os.walk(root):
    for file in sorted(files):
        if file.endswith(".py"):
            relative = os.path.relpath(os.path.join(directory, file[:-3]), root)
            modules.append(relative.replace(os.sep, "."))
modules.sort()

loaded = {name: importlib.import_module(name) for name in modules}
for name, module in loaded.items():
    if not module.__file__.startswith(root):
        sys.exit(f"{name} resolved to {module.__file__}, not the generated tree")
if grpc.__file__.startswith(root) or google.protobuf.__file__.startswith(root):
    sys.exit("a generated package shadows grpcio or protobuf")

services = sorted(
    service.full_name
    for name, module in loaded.items()
    if name.endswith("_pb2")
    for service in module.DESCRIPTOR.services_by_name.values()
)
stubs = sorted(
    f"{name}.{attribute}"
    for name, module in loaded.items()
    if name.endswith("_pb2_grpc")
    for attribute in dir(module)
    if attribute.endswith("Stub")
)
resources = {
    name: loaded[name].DESCRIPTOR.package for name in modules if name.rsplit(".", 1)[-1] == "resources_pb2"
}
print(
    json.dumps(
        {
            "grpc": grpc.__file__,
            "roots": sorted({name.split(".", 1)[0] for name in modules}),
            "modules": modules,
            "services": services,
            "stubs": stubs,
            "resources": resources,
        }
    )
)
