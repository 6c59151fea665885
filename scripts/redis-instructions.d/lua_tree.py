"""The function library the server loaded (stdin), with the Lua files of the working tree
in place of those of the commit checked out (stdout): scripts/redis-instructions --lua-tree.

The library is the Lua files joined by the server (crates/tickets-core/src/redis/scripts.rs),
each file's text whole: each file changed since the commit is found there by its text at
the commit and replaced. The binary must be built from that commit.
"""

import pathlib
import subprocess
import sys

root = pathlib.Path(sys.argv[1])
lua = "crates/tickets-core/src/redis/lua"
library = sys.stdin.read()
changed = 0
for path in sorted((root / lua).glob("*.lua")):
    name = f"{lua}/{path.name}"
    shown = subprocess.run(
        ["git", "-C", str(root), "show", f"HEAD:{name}"], capture_output=True, text=True
    )
    before, now = shown.stdout, path.read_text()
    if shown.returncode != 0 or before == now:
        continue
    found = library.count(before)
    if found == 0:
        # (The scripts of accounts, configuration, webhooks and pushes are not in it.)
        sys.stderr.write(f"{path.name}: not in the library, not measured here\n")
    if found > 1:
        sys.exit(f"{path.name}: its text is in the library {found} times")
    library = library.replace(before, now)
    changed += found
sys.stderr.write(f"the working tree's Lua: {changed} file(s) changed in the library\n")
sys.stdout.write(library)
