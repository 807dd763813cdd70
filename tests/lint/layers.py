#!/usr/bin/env python3
"""layers.py - the include rules of runner/, checked.

runner/ holds one folder per layer, and the arrows go one way:

    cli -> suite -> binding -> io -> core

A file may include headers of its own layer and of the layers below it,
always named with their folder ("core/reply.h"). The lower layers also stay
away from what belongs higher up: core uses no sockets, no event loop and no
Lua; io uses no Lua. Between modules (a .c and its .h are one module) the
include graph has no cycle.

Usage: layers.py [RUNNER_DIR]   (default: runner/ next to tests/)
Prints every violation and exits 1, or prints a one-line summary and exits 0.
"""
import os
import re
import sys

LAYERS = ["core", "io", "binding", "suite", "cli"]
RANK = {name: i for i, name in enumerate(LAYERS)}

# System headers a layer must not use (what makes it a layer).
FORBIDDEN = {
    "core": {"lua.h", "lualib.h", "lauxlib.h", "yaml.h", "sys/epoll.h",
             "sys/socket.h", "sys/signalfd.h", "netdb.h", "openssl/ssl.h"},
    "io": {"lua.h", "lualib.h", "lauxlib.h", "yaml.h"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]')
# A function defined at the start of a line (the return type on the line
# before), and a prototype in a header.
DEFINITION = re.compile(r"^([a-z_][a-z0-9_]*)\(")
PROTOTYPE = re.compile(r"^(?!typedef|static|extern|#|/\*| |\t)[\w\s*]*?\b([a-z_][a-z0-9_]*)\s*\(")


def sources(root):
    """(layer, path relative to root) of every .c and .h file."""
    found, stray = [], []
    for dirpath, _, files in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.normpath(os.path.join(rel, f))
            layer = path.split(os.sep)[0]
            if layer not in RANK or os.sep not in path:
                stray.append(path)
            else:
                found.append((layer, path))
    return found, stray


def module(path):
    """core/reply.c and core/reply.h are the module core/reply."""
    return os.path.splitext(path)[0]


def check(root):
    errors = []
    files, stray = sources(root)
    for path in stray:
        errors.append(f"{path}: not in a layer folder ({', '.join(LAYERS)})")
    known = {path for _, path in files}
    graph = {}
    for layer, path in files:
        with open(os.path.join(root, path), encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        for n, line in enumerate(lines, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            kind, name = m.groups()
            where = f"{path}:{n}"
            if kind == "<":
                if name in FORBIDDEN.get(layer, ()):
                    errors.append(f"{where}: the {layer} layer may not include <{name}>")
                continue
            target_layer = name.split("/")[0]
            if "/" not in name or target_layer not in RANK:
                errors.append(f'{where}: include "{name}" does not name its layer '
                              f'(write "core/...", "io/...", ...)')
                continue
            if name not in known:
                errors.append(f'{where}: include "{name}": no such header in runner/')
                continue
            if RANK[target_layer] > RANK[layer]:
                errors.append(f'{where}: {layer} includes "{name}" from the higher '
                              f'{target_layer} layer (arrows go {" -> ".join(reversed(LAYERS))})')
            if module(name) != module(path):
                graph.setdefault(module(path), set()).add(module(name))
    errors.extend(misplaced(root, files))
    errors.extend(cycles(graph))
    return errors, len(files)


def misplaced(root, files):
    """A function is declared in its own module's header: a declaration
    elsewhere would hide a dependency from the include graph."""
    defined, declared, errors = {}, {}, []
    for _, path in files:
        with open(os.path.join(root, path), encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        for n, line in enumerate(lines):
            if path.endswith(".c"):
                m = DEFINITION.match(line)
                if m and n > 0 and not lines[n - 1].startswith("static"):
                    defined[m.group(1)] = path
            else:
                m = PROTOTYPE.match(line)
                if m:
                    declared.setdefault(m.group(1), []).append(f"{path}:{n + 1}")
    for name, where in sorted(declared.items()):
        if name not in defined:
            continue
        for w in where:
            if module(w.split(":")[0]) != module(defined[name]):
                errors.append(f"{w}: {name}() is declared here but defined in "
                              f"{defined[name]}: declare it in its own module's header")
    return errors


def cycles(graph):
    """One message per cycle found by a depth-first search."""
    found, state, stack = [], {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                loop = stack[stack.index(nxt):] + [nxt]
                found.append("include cycle: " + " -> ".join(loop))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "runner")
    errors, n = check(root)
    for e in errors:
        print(e)
    if errors:
        print(f"layers: {len(errors)} problem(s) in {root}")
        return 1
    print(f"layers: {n} files, includes go {' -> '.join(reversed(LAYERS))}, no cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
