#!/usr/bin/env python3
"""Who may include whom in src/ (run by tests/layers.sh).

Each folder under src/ is one layer; LAYERS lists them bottom up, and
folders on one line are the same layer. src/main.c (the folder itself,
"") is the top. A file may include headers of its own layer or below.

A module is a file's base name up to its first '_': journal.c,
journal_sla.c and journal_p.h are module "journal". Module A depends on B
when a file of A includes a header of B; the modules must form no cycle,
and a private header X_p.h may be included only by files of module X.
Every header included with "" must be in src/ (config.h and
init-resources.h are made in the build directory), headers are included
by bare name so no two may share one, every folder must be a layer, and a
module's files live in one folder.

Usage: layers.py SRCDIR. Prints each violation as "file:line: ..." and
exits 1, or prints one summary line and exits 0.
"""
import os
import re
import sys

LAYERS = [
    ("util",),
    ("mail",),
    ("rules",),
    ("store",),
    ("io",),
    ("agent", "cmd"),
    ("",),  # src/ itself: main.c
]
# Made in the build directory: not in src/, not checked.
BUILD_FILES = {"config.h", "init-resources.h"}

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]*)"')


def layer_name(folder):
    return folder if folder else "main"


def module_of(name):
    return os.path.splitext(name)[0].split("_", 1)[0]


def scan(srcdir):
    """Return (files, problems): files maps a path relative to srcdir's
    parent ("src/util/log.c") to (folder, name); problems lists files in a
    folder that is no layer."""
    rank = {}
    for i, folders in enumerate(LAYERS):
        for f in folders:
            rank[f] = i
    files = {}
    problems = []
    base = os.path.basename(os.path.normpath(srcdir))
    for dirpath, dirnames, filenames in os.walk(srcdir):
        dirnames.sort()
        folder = os.path.relpath(dirpath, srcdir)
        folder = "" if folder == "." else folder
        for name in sorted(filenames):
            if not name.endswith((".c", ".h")) or name in BUILD_FILES:
                continue
            path = os.path.join(base, folder, name) if folder else \
                os.path.join(base, name)
            if folder not in rank:
                problems.append("%s: folder %s/ is in no layer (add it to "
                                "LAYERS in tests/layers.py)" % (path, folder))
                continue
            files[path] = (folder, name)
    return files, rank, problems


def find_cycle(graph, scc):
    """One shortest cycle through the strongly connected set scc."""
    best = None
    for start in sorted(scc):
        # Breadth first from start back to start, inside scc.
        prev = {start: None}
        queue = [start]
        found = None
        while queue and found is None:
            nxt = []
            for a in queue:
                for b in sorted(graph.get(a, ())):
                    if b not in scc:
                        continue
                    if b == start:
                        found = a
                        break
                    if b not in prev:
                        prev[b] = a
                        nxt.append(b)
                if found is not None:
                    break
            queue = nxt
        if found is None:
            continue
        path = [found]
        while prev[path[-1]] is not None:
            path.append(prev[path[-1]])
        path.reverse()
        path.append(start)
        if best is None or len(path) < len(best):
            best = path
    return best


def sccs(graph):
    """Tarjan's strongly connected components, each as a set."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            out.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def check(srcdir):
    files, rank, errors = scan(srcdir)
    headers = {}
    for path, (folder, name) in sorted(files.items()):
        if name.endswith(".h"):
            if name in headers:
                errors.append("%s: header %s is also %s (headers are included "
                              "by name: one name, one file)"
                              % (path, name, headers[name]))
                continue
            headers[name] = path

    module_folders = {}
    for path, (folder, name) in sorted(files.items()):
        module_folders.setdefault(module_of(name), {}).setdefault(
            folder, []).append(path)
    for m, where in sorted(module_folders.items()):
        if len(where) > 1:
            errors.append("module %s is split over folders (a module's files "
                          "live in one): %s" % (m, ", ".join(
                              p for f in sorted(where) for p in where[f])))

    graph = {}  # module -> {module: ("file:line", header) first seen}
    for path, (folder, name) in sorted(files.items()):
        me = module_of(name)
        graph.setdefault(me, {})
        with open(os.path.join(os.path.dirname(os.path.normpath(srcdir)),
                               path), encoding="utf-8",
                  errors="replace") as fh:
            lines = fh.read().splitlines()
        for n, line in enumerate(lines, 1):
            mo = INCLUDE.match(line)
            if not mo:
                continue
            inc = mo.group(1)
            where = "%s:%d" % (path, n)
            if inc in BUILD_FILES:
                continue
            if inc not in headers:
                hint = " (include headers by bare name)" if "/" in inc else ""
                errors.append("%s: includes %s, which is no header in src/%s"
                              % (where, inc, hint))
                continue
            hfolder, hname = files[headers[inc]]
            if rank[hfolder] > rank[folder]:
                errors.append("%s: includes %s of layer %s from layer %s "
                              "below it" % (where, inc, layer_name(hfolder),
                                            layer_name(folder)))
            them = module_of(hname)
            if hname.endswith("_p.h") and them != me:
                errors.append("%s: includes %s, private to module %s, from "
                              "module %s" % (where, inc, them, me))
            if them != me:
                graph[me].setdefault(them, (where, inc))

    for comp in sccs(graph):
        if len(comp) < 2:
            continue
        cyc = find_cycle(graph, comp)
        steps = ["%s includes %s" % graph[a][b] for a, b in zip(cyc, cyc[1:])]
        errors.append("cycle among modules: %s (%s)"
                      % (" -> ".join(cyc), "; ".join(steps)))

    if errors:
        for e in errors:
            print("layers: " + e)
        print("layers: %d violation%s of the layers (bottom up: %s; see "
              "tests/layers.py)" % (len(errors), "" if len(errors) == 1
                                    else "s", layer_list()))
        return 1
    print("layers: %d files, %d modules in %d layers (%s): no upward "
          "include, no cycle, no private header used outside its module"
          % (len(files), len(graph), len(LAYERS), layer_list()))
    return 0


def layer_list():
    return " < ".join("/".join(layer_name(f) for f in fs) for fs in LAYERS)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write("usage: layers.py SRCDIR\n")
        sys.exit(2)
    sys.exit(check(sys.argv[1]))
