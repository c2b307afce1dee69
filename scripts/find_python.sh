#!/bin/sh
# Print a Python 3.12+ interpreter, or fail with a clear message.
for candidate in python3.13 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
        command -v "$candidate"; exit 0
    fi
done
# pyenv installs that are not the active version (as on the council's build machines).
for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
    if [ -x "$candidate" ] && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
        echo "$candidate"; exit 0
    fi
done
echo "Spacebank needs Python 3.12 or newer, and none was found. Install python3.12 and try again." >&2
exit 1
